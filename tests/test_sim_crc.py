"""The simulated CRC calculation unit (sim/periph/crc.py) and the bootloader's CRCs through it: CRC-32/MPEG-2
as the host computes it for every width, length and alignment, the other polynomial sizes and reversals,
time on the virtual clock, stores lost with its clock gated, unknown registers reported."""
import os
import random
import zlib

import pytest

from stm32boot import boards
from stm32boot.native import crc32
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.regs import UnmodelledAccess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DR, IDR, CR, INIT, POL = 0x00, 0x04, 0x08, 0x10, 0x14
RESET, POLY16, REV_IN_BYTE, REV_OUT = 1, 1 << 3, 1 << 5, 1 << 7
NOR, KB = 0x9000_0000, 1024


@pytest.fixture
def m():
    notes = []
    mach = sim_build("h735", warn=notes.append)
    mach.notes = notes
    mach.rcc.set("AHB4ENR", mach.rcc.get("AHB4ENR") | 1 << 19)
    yield mach
    mach.close()


def feed(c, data, width=4):
    """Stores of `width` bytes, each holding the next bytes of data most significant first (as the unit
    takes them); the last few bytes one at a time."""
    whole = len(data) // width * width
    for i in range(0, whole, width):
        c.bus_write(DR, width, int.from_bytes(data[i:i + width], "big"))
    for b in data[whole:]:
        c.bus_write(DR, 1, b)


def test_reset_setting_is_crc32_mpeg2_for_every_width_and_length(m):
    c = m.crc
    rng = random.Random(3)
    for width in (4, 2, 1):
        for n in list(range(0, 21)) + [1000]:
            data = rng.randbytes(n)
            c.bus_write(CR, 4, RESET)
            feed(c, data, width)
            assert c.bus_read(DR, 4) == crc32(data), (width, n)
    assert c.bus_read(CR, 4) == 0   # RESET reads 0
    assert not m.notes


def test_init_and_reset_continue_a_running_crc(m):
    c = m.crc
    a, b = b"stm32boot ", b"continues"
    c.bus_write(INIT, 4, crc32(a))
    c.bus_write(CR, 4, RESET)
    feed(c, b)
    assert c.bus_read(DR, 4) == crc32(a + b)


def test_other_polynomial_sizes_and_reversals(m):
    c = m.crc
    check = b"123456789"
    c.bus_write(CR, 4, POLY16)          # CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF
    c.bus_write(POL, 4, 0x1021)
    c.bus_write(INIT, 4, 0xFFFF)
    c.bus_write(CR, 4, POLY16 | RESET)
    feed(c, check, 1)
    assert c.bus_read(DR, 4) == 0x29B1
    c.bus_write(CR, 4, REV_IN_BYTE | REV_OUT)   # reflected in and out: zlib's CRC-32 before its final XOR
    c.bus_write(POL, 4, 0x04C11DB7)
    c.bus_write(INIT, 4, 0xFFFFFFFF)
    c.bus_write(CR, 4, REV_IN_BYTE | REV_OUT | RESET)
    feed(c, check, 1)
    assert c.bus_read(DR, 4) == zlib.crc32(check) ^ 0xFFFFFFFF


def test_a_result_read_waits_for_the_computation(m):
    c = m.crc
    c.bus_write(CR, 4, RESET)
    t0 = m.clock.now
    for _ in range(1000):                # all at one instant: the unit is behind by 1000 words
        c.bus_write(DR, 4, 0x12345678)
    c.bus_read(DR, 4)
    want = 4 * 1000 * 1e12 / m.rcc.hclk_hz()  # 4 HCLK cycles per word
    assert abs((m.clock.now - t0) - want) <= 0.01 * want


def test_stores_with_the_clock_gated_are_lost_and_unknown_registers_reported(m):
    c = m.crc
    c.bus_write(CR, 4, RESET)
    m.rcc.set("AHB4ENR", m.rcc.get("AHB4ENR") & ~(1 << 19))
    c.bus_write(DR, 4, 0xDEADBEEF)
    m.rcc.set("AHB4ENR", m.rcc.get("AHB4ENR") | 1 << 19)
    assert c.bus_read(DR, 4) == 0xFFFFFFFF
    c.bus_write(IDR, 4, 0xA5A5A5A5)
    assert c.bus_read(IDR, 4) == 0xA5A5A5A5
    strict = sim_build("h735", strict=True, warn=lambda *a: None)
    try:
        with pytest.raises(UnmodelledAccess):
            strict.crc.bus_write(0x0C, 4, 1)
    finally:
        strict.close()


def test_the_bootloader_crcs_through_the_unit_equal_the_hosts_at_any_alignment():
    """The guest feeds the unit (sim's write sink batching its stores): every start and length the host
    asks for, words through the unit and the bytes around them through the table, agree with the host."""
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    board = boards.get("h735")
    notes = []
    m = sim_build("h735", state_dir=None, warn=notes.append)
    m.load_elf(os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf"))
    m.reset()
    data = random.Random(11).randbytes(8 * KB)
    t = open_target(board, transport=SimTransport(board, machine=m), baud=8_000_000)
    try:
        t.erase([NOR, NOR + 4 * KB])
        t.write([(NOR, data)])
        cases = [(0, 8 * KB), (1, 4097), (2, 3), (3, 1), (5, 0), (4095, 2050)]
        got = t.crc([(NOR + o, n) for o, n in cases])
        assert got == [crc32(data[o:o + n]) for o, n in cases]
        assert m.crc.words >= (8 * KB + 4096 + 2048) // 4      # the unit did the bulk
        assert not [n for n in notes if "CRC" in n]
    finally:
        t.close()
