"""The external loader run the way STM32CubeProgrammer runs it, against the simulated H735G-DK NOR:
Init leaves the NOR mapped (also when called twice, or after a run left the chip in octal DTR),
a random 1 MB pattern written across sector boundaries reads back through the window first bytes
included, SectorErase is end-inclusive, Verify/CheckSum follow ST's semantics."""
from __future__ import annotations

import random

import pytest

from stldr_build import build_loader
from stldr_host import WINDOW, LoaderHost

MB = 1 << 20
SECTOR = 4096


@pytest.fixture(scope="module")
def path():
    return build_loader()


@pytest.fixture
def host(path):
    h = LoaderHost(path)
    assert h.call("Init") == 1
    return h


def test_init_leaves_the_nor_memory_mapped_in_octal_dtr(host):
    host.nor.mem[0:8] = bytes(range(1, 9))
    host.nor.changed(0, 8)
    assert host.nor.mode == "dopi"
    assert host.window(WINDOW, 8) == bytes(range(1, 9)), "first bytes wrong: DCYC vs CR2 dummy cycles?"
    assert host.o1.window.kind == "direct", "mapped read config does not match the device"


def test_init_twice_while_mapped(host):
    """The second Init finds the NOR mapped: rewiring OSPIM now would fault in the model (the
    DEBUGEVT field failure); the call must return 1 and leave the window mapped."""
    host.nor.mem[0:4] = b"\x11\x22\x33\x44"
    host.nor.changed(0, 4)
    host.reload()
    assert host.call("Init") == 1
    assert host.window(WINDOW, 4) == b"\x11\x22\x33\x44"


def test_init_recovers_a_chip_left_in_dtr_with_other_dummy_cycles(host):
    host.nor.cr2[0x300] = 0        # 20 dummy cycles: a mapped read with our 6 would be shifted
    host.nor.mem[0:4] = b"\x01\x02\x03\x04"
    host.nor.changed(0, 4)
    host.reload()
    assert host.call("Init") == 1
    assert host.nor.mode == "dopi" and host.nor.array_dummy() == 6
    assert host.window(WINDOW, 4) == b"\x01\x02\x03\x04"


def test_1mb_random_pattern_across_sectors_then_erase(host):
    rng = random.Random(5)
    start = WINDOW + 3 * SECTOR - 0x81          # odd, 0x81 bytes before a sector boundary
    data = bytes(rng.getrandbits(8) for _ in range(MB))
    first, last = start & ~(SECTOR - 1), (start + MB - 1) & ~(SECTOR - 1)
    assert host.call("SectorErase", first, last) == 1       # OpenOCD style: end = last sector start
    before = host.window(first - SECTOR, SECTOR)
    host.write(start, data, chunk=0x3C700)                  # CubeProgrammer-sized, unaligned chunks
    assert host.window(start, MB) == data
    assert host.window(first, start - first) == b"\xff" * (start - first), "bytes before the range changed"
    assert host.window(first - SECTOR, SECTOR) == before
    host.reload()
    assert host.call("Init") == 1
    assert host.window(start, 64) == data[:64]
    # end inclusive at the last byte: exactly the sectors intersecting [a, b]
    a, b = start + 5 * SECTOR + 17, start + MB - 1
    assert host.call("SectorErase", a, b) == 1
    lo = a & ~(SECTOR - 1)
    assert host.window(start, lo - start) == data[:lo - start]
    assert host.window(lo, start + MB - lo) == b"\xff" * (start + MB - lo)


def test_write_unaligned_odd_sizes_and_page_crossing(host):
    rng = random.Random(7)
    base = WINDOW + 0x40000
    assert host.call("SectorErase", base, base + 2 * SECTOR - 1) == 1
    expect = bytearray(b"\xff" * 2 * SECTOR)
    for off, n in ((1, 1), (3, 2), (0xFF, 3), (0x2FE, 0x103), (SECTOR - 1, 2), (0x801, 0x7FC)):
        chunk = bytes(rng.getrandbits(8) for _ in range(n))
        host.write(base + off, chunk, chunk=n)
        expect[off:off + n] = chunk
        assert host.window(base, 2 * SECTOR) == bytes(expect), f"after {n} bytes at +0x{off:X}"


def test_verify_and_checksum_semantics(host):
    rng = random.Random(9)
    base = WINDOW + 0x80000
    data = bytes(rng.getrandbits(8) for _ in range(1024))
    assert host.call("SectorErase", base, base) == 1
    host.write(base, data, chunk=len(data))
    assert host.call("CheckSum", base + 1, 15, 5) == 5 + sum(data[1:15])
    host.m.write(host.buffer, data)
    r0, r1 = host.call64("Verify", base, host.buffer, len(data) // 4, 0)
    assert (r0, r1) == (0, sum(data) & 0xFFFFFFFF)
    bad = bytearray(data)
    bad[0x21] ^= 1
    host.m.write(host.buffer, bytes(bad))
    r0, _ = host.call64("Verify", base, host.buffer, len(data) // 4, 0)
    assert r0 != 0


def test_mass_erase_reads_erased(path):
    h = LoaderHost(path, nor_profile="zero")
    assert h.call("Init") == 1
    h.write(WINDOW + 0x123456, b"\x00" * 300, chunk=300)
    assert h.call("MassErase", 0) == 1
    assert h.window(WINDOW + 0x123400, 0x400) == b"\xff" * 0x400


def test_init_with_foreign_ospim_routing_stops_both_controllers_before_rewiring(host):
    """An application left OCTOSPIM swapped with OCTOSPI1 mapped. Init must not write OSPIM under a
    running controller (the model faults on that); it disables both, rewires, and maps the NOR."""
    ospim = next(p for p in host.m.bus.peripherals if p.name == "OCTOSPIM")
    ospim.set("P1CR", 0x0705_0333)   # port 1 <- OCTOSPI2, set behind the firmware's back
    ospim.set("P2CR", 0x0301_0111)
    host.nor.mem[0:4] = b"\xde\xad\xbe\xef"
    host.nor.changed(0, 4)
    host.reload()
    assert host.call("Init") == 1
    assert (ospim.get("P1CR"), ospim.get("P2CR")) == (0x0301_0111, 0x0705_0333)
    assert host.window(WINDOW, 4) == b"\xde\xad\xbe\xef"
