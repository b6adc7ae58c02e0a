"""Simulator regressions found while making it faster: events due "now" must fire (they used to lock the
run loop up with 0 instructions executed), host bytes with a future arrival time on a DMA-served USART,
and the poll-warp only for back-to-back status reads (a computation between two reads keeps its time)."""
import os
import random

import pytest

from stm32boot import boards
from stm32boot.native import crc32
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.clock import PS_PER_S
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target
from sim_flashing import APP, flash_h735

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build/firmware/h735/bootloader.elf")
NOR = 0x9000_0000
BOARD = boards.get("h735")

@pytest.fixture(autouse=True)
def _built():
    # `doit test` builds first, so a missing image is a broken build, not a reason to skip.
    assert os.path.exists(BL), "run `doit firmware` first"


def board():
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.load_elf(BL)
    m.reset()
    return m


def test_an_event_due_now_fires_and_the_firmware_runs_on():
    m = board()
    m.run(max_virtual_s=0.001, timeout_s=30)
    fired = []
    m.clock.after(0, lambda: fired.append(m.clock.now))
    res = m.run(max_virtual_s=0.001, timeout_s=30)
    assert fired, res.summary()
    assert res.instructions > 0 and res.reason == "virtual", res.summary()


class AtPsTransport(SimTransport):
    """The host's bytes reach the wire `latency` later, given to the channel at once with their arrival
    time (InProcessChannel.send(at_ps=...)), while earlier bytes may still wait in the DMA ring."""

    def write(self, data):
        self.chan.send(bytes(data), at_ps=self.m.clock.now + self.lat_ps)


def test_future_arrivals_on_the_dma_served_usart_reach_the_bootloader():
    m = board()
    t = AtPsTransport(BOARD, machine=m, latency=0.001)
    t.wall_limit = 60      # a lock-up is a timeout, not a test that never ends
    tg = Target(t)
    tg.hello()
    assert tg.negotiate_baud() == 8_000_000
    data = random.Random(7).randbytes(48 * 1024)
    tg.erase([NOR + a for a in range(0, len(data), 4096)])
    tg.write((NOR + off, data[off:off + 4096]) for off in range(0, len(data), 4096))
    assert tg.crc([(NOR, len(data))]) == [crc32(data)]
    assert t.virtual_seconds < 1.0, f"{t.virtual_seconds} s of virtual time for 48 KB at 8 Mbaud"


def status_reads(gap_insns, reads=8):
    """The UART status read `reads` times with `gap_insns` instructions of work between reads, while the
    only thing scheduled is 1 s away: the virtual time at the end."""
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.clock.after(PS_PER_S, lambda: None, "far away")
    isr = m.usart3.base + 0x1C
    for _ in range(reads):
        m.vc.insns += gap_insns      # the work between two reads, as the block hook counts it
        m._read(isr, 4)
    return m.clock.now


def test_back_to_back_status_reads_are_idle_polling_and_jump_to_the_next_event():
    assert status_reads(gap_insns=12) >= PS_PER_S


def test_a_computation_between_status_reads_keeps_its_own_time():
    t = status_reads(gap_insns=5000)
    assert t == 8 * 5000 * PS_PER_S // 64_000_000     # instructions at the 64 MHz reset clock, no jump


def cyccnt_twice(trace):
    """A guest reads DWT.CYCCNT, runs 20 NOPs and a branch, reads it again: (first, second, reads answered in C)."""
    import struct
    from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R0, UC_ARM_REG_R2
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    if trace:
        m.trace = lambda line: None       # every access through Python, as --trace does
    m.dwt.bus_write(0x000, 4, 1)          # CYCCNTENA
    # ldr r1,=CYCCNT; ldr r0,[r1]; 20 x nop; b.n next (a new block: time is counted per block); ldr r2,[r1]; bkpt
    code = struct.pack("<2H", 0x490C, 0x6808) + struct.pack("<H", 0xBF00) * 20 + \
        struct.pack("<4HI", 0xE7FF, 0x680A, 0xBE00, 0, 0xE0001004)
    m.write(0x2400_0000, code)
    m.uc.reg_write(UC_ARM_REG_PC, 0x2400_0001)
    assert m.run(timeout_s=5).reason == "bkpt"
    return m.reg(UC_ARM_REG_R0), m.reg(UC_ARM_REG_R2), m.vc.time_reads


def test_cycle_counter_reads_answered_in_c_equal_the_machines_own_count():
    fast, slow = cyccnt_twice(trace=False), cyccnt_twice(trace=True)
    assert fast[2] == 2 and slow[2] == 0
    assert fast[:2] == slow[:2] and fast[1] > fast[0]


def flash_both_memories(fast):
    """A fresh H735 flashed over the link with 32 KB of internal flash and 48 KB of NOR at 8 Mbaud, with or
    without the machine's fast_io paths: (virtual ps, instructions, internal flash bytes, NOR bytes,
    reads the C side answered from stable registers, writes it posted, flash stores it guarded)."""
    app, nor = random.Random(3).randbytes(32 * 1024), random.Random(4).randbytes(48 * 1024)
    flash_app = APP
    m = flash_h735(app, nor, lambda m: setattr(m, "fast_io", fast))   # before the first event: lazy ones too
    off = flash_app - m.flash.base
    return (m.clock.now, m.vc.insns, bytes(m.flash.buf[off:off + len(app)]), bytes(m.nor.mem[:len(nor)]),
            m.vc.rc_hits, m.vc.posted, m.vc.guards, m.slices)


def test_the_fast_io_paths_keep_the_virtual_clock_the_instruction_count_and_the_memories():
    """The same flashing with every access through the models gives the same virtual time to the
    picosecond, the same instruction count and the same bytes in both memories: the fast paths
    (stable-register reads, posted writes, the flash store guard: native/vclock_bus.c; events that need not
    stop the core: sim/clock.py) only save host time."""
    fast, slow = flash_both_memories(fast=True), flash_both_memories(fast=False)
    assert fast[4] > 0 and fast[5] > 0 and fast[6] > 0, "the fast paths were not used"
    assert slow[4:7] == (0, 0, 0)
    assert fast[7] < slow[7], "lazy events did not spare any stop of the core"
    assert fast[:4] == slow[:4]
