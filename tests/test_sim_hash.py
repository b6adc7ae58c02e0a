"""The simulated HASH processor (sim/periph/hash.py): SHA-256 as hashlib computes it for every length and
data type, time on the virtual clock per block, and its failure modes reported."""
import hashlib
import random

import pytest

from stm32boot.sim.board import build as sim_build
from stm32boot.sim.clock import PS_PER_S

CR, DIN, STR, SR, HR0 = 0x00, 0x04, 0x08, 0x24, 0x310
INIT, SHA256, DT8 = 1 << 2, (1 << 18) | (1 << 7), 2 << 4
DINIS, DCIS, BUSY = 1, 2, 8


@pytest.fixture
def m():
    notes = []
    mach = sim_build("h735", warn=notes.append)
    mach.notes = notes
    mach.rcc.set("AHB2ENR", mach.rcc.get("AHB2ENR") | 1 << 5)
    yield mach
    mach.close()


def run_hash(m, data, datatype=DT8, wait_dinis=True):
    h = m.hash
    h.bus_write(CR, 4, INIT | SHA256 | datatype)
    words = len(data) // 4
    for i in range(words):
        if wait_dinis and i % 16 == 0:
            while not h.bus_read(SR, 4) & DINIS:
                m.clock.advance_to(m.clock.now + 1000)
        h.bus_write(DIN, 4, int.from_bytes(data[4 * i:4 * i + 4], "little"))
    tail = len(data) % 4
    if tail:
        while wait_dinis and not h.bus_read(SR, 4) & DINIS:
            m.clock.advance_to(m.clock.now + 1000)
        h.bus_write(DIN, 4, int.from_bytes(data[4 * words:] + bytes(4 - tail), "little"))
    h.bus_write(STR, 4, tail * 8 | 1 << 8)
    t0 = m.clock.now
    while not h.bus_read(SR, 4) & DCIS:
        m.clock.advance_to(m.clock.now + 1000)
    return b"".join(h.bus_read(HR0 + 4 * i, 4).to_bytes(4, "big") for i in range(8)), m.clock.now - t0


def test_sha256_of_every_length_matches_hashlib(m):
    rng = random.Random(1)
    for n in list(range(0, 140)) + [1000, 4099]:
        data = rng.randbytes(n)
        got, _ = run_hash(m, data)
        assert got == hashlib.sha256(data).digest(), n
    assert not m.notes


def test_32_bit_data_type_hashes_words_big_endian(m):
    data = bytes(range(64))
    got, _ = run_hash(m, data, datatype=0)
    swapped = b"".join(data[i:i + 4][::-1] for i in range(0, 64, 4))
    assert got == hashlib.sha256(swapped).digest()


def test_blocks_take_virtual_time_and_busy_shows_it(m):
    h = m.hash
    h.bus_write(CR, 4, INIT | SHA256 | DT8)
    for i in range(16):
        h.bus_write(DIN, 4, i)
    assert h.bus_read(SR, 4) & BUSY                    # the core works on the first block
    t0 = m.clock.now
    while h.bus_read(SR, 4) & BUSY:
        m.clock.advance_to(m.clock.now + 100)
    hclk = m.rcc.hclk_hz()
    assert m.clock.now - t0 == pytest.approx(66 * PS_PER_S / hclk, rel=0.05)


def test_writing_a_full_fifo_is_reported(m):
    h = m.hash
    h.bus_write(CR, 4, INIT | SHA256 | DT8)
    for i in range(33):                                # block 1 in the core, block 2 fills the FIFO
        h.bus_write(DIN, 4, i)
    assert any("FIFO full" in n for n in m.notes)


def test_gated_clock_reads_zero_and_ignores_writes(m):
    m.rcc.set("AHB2ENR", m.rcc.get("AHB2ENR") & ~(1 << 5))
    m.hash.bus_write(CR, 4, INIT | SHA256)
    assert m.hash.bus_read(SR, 4) == 0
