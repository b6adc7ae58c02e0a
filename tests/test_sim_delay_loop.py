"""Delay loops (`subs Rn, #1; bne.n` to itself, as firmware/core/rxidle.c pauses) are skipped up to the next
deadline by the C block hook (native/vclock.c, docs/emulator-notes.md): a guest must observe exactly what
running them pass by pass gives. Each test runs the same guest code with the skip on and off and compares
what the guest and its user see: registers and flags, instruction count, virtual time, the loop counter
at every interrupt, the bytes a flashing leaves in memory."""
import os
import random
import struct

from unicorn.arm_const import (UC_ARM_REG_PC, UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
                               UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_SP, UC_ARM_REG_XPSR)

from stm32boot.sim import vclock
from stm32boot.sim.board import build as sim_build
from sim_flashing import flash_h735

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build/firmware/h735/bootloader.elf")
CODE = 0x2400_0200          # AXI SRAM: the guest snippets
HANDLER = 0x2400_0100       # SysTick handler
VECTORS = 0x2400_0000       # VTOR for the snippets (SysTick = exception 15)
BUF = 0x2400_1000           # what the handler records
SYST = 0xE000_E010          # SysTick CSR; RVR at +4, CVR at +8 (ARMv7-M ARM B3.3)

NOP, SUBS_R4_1, BNE_SELF, BKPT = 0xBF00, 0x3C01, 0xD1FD, 0xBE00
MRS_R0_APSR = (0xF3EF, 0x8000)
STR_R2_R1_4, STR_R3_R1_8, STR_R6_R1_0, STR_R3_R1_0 = 0x604A, 0x608B, 0x600E, 0x600B
STR_R4_R5_POST4, BX_LR = (0xF845, 0x4B04), 0x4770
REGS = (UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5,
        UC_ARM_REG_R6, UC_ARM_REG_PC)


def halfwords(*hw):
    out = []
    for h in hw:
        out.extend(h if isinstance(h, tuple) else (h,))
    return struct.pack(f"<{len(out)}H", *out)


def machine(skip: bool, code: bytes):
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    vclock.delay_skip(m.vc, skip)
    m.write(CODE, code)
    m.uc.reg_write(UC_ARM_REG_SP, 0x2401_0000)
    m.uc.reg_write(UC_ARM_REG_PC, CODE | 1)
    return m


def seen(m, res):
    """What a user of the run observes: the stop, registers, flags, instructions, virtual time."""
    return (res.reason, tuple(m.reg(r) for r in REGS), m.reg(UC_ARM_REG_XPSR) & 0xF000_0000, m.vc.insns,
            m.clock.now)


# nop; 1: subs r4, #1; bne.n 1b; mrs r0, apsr; bkpt
LOOP = halfwords(NOP, SUBS_R4_1, BNE_SELF, MRS_R0_APSR, BKPT)


def run_loop(skip: bool, k: int):
    m = machine(skip, LOOP)
    m.uc.reg_write(UC_ARM_REG_R4, k)
    res = m.run(timeout_s=60)
    return seen(m, res), m.vc.spin_insns


def test_a_delay_loop_ends_with_the_same_registers_flags_instructions_and_time_skipped_or_run():
    for k in (1, 2, 3, 4, 1000, 1_234_567):
        (fast, skipped), (slow, none) = run_loop(True, k), run_loop(False, k)
        assert fast == slow, k
        assert none == 0
        # On the core: the pass merged with the nop, the first entered by its own bne, and the last one.
        assert skipped == (2 * (k - 3) if k > 3 else 0), k
        reason, regs, flags, insns, _ = fast
        assert reason == "bkpt" and regs[4] == 0
        assert flags == 0x6000_0000, hex(flags)   # Z and C as the last subs (1 - 1) left them; N, V clear
    assert run_loop(True, 1000)[0][3] - run_loop(True, 10)[0][3] == 2 * 990


def test_a_loop_from_zero_runs_two_to_the_32_passes():
    (fast, skipped) = run_loop(True, 0)
    base = run_loop(False, 1)[0][3] - 2          # everything but the loop's passes
    assert fast[0] == "bkpt" and fast[1][4] == 0
    assert fast[3] == base + 2 * 2 ** 32
    assert skipped > 2 * 2 ** 32 - 2 * 1000      # run in slices: a few passes each run on the core


def test_a_run_stopped_inside_the_loop_stops_at_the_same_pass():
    """The virtual-time limit (a deadline) falls inside the loop: the stop, and the rest of the run, are the same."""
    out = []
    for skip in (True, False):
        m = machine(skip, LOOP)
        m.uc.reg_write(UC_ARM_REG_R4, 3_000_000)
        first = m.run(timeout_s=60, max_virtual_s=0.0123)     # 64 MHz reset clock: inside the 6 M instructions
        mid = seen(m, first)
        rest = m.run(timeout_s=60)
        out.append((mid, seen(m, rest)))
    (mid, end), (mid_slow, end_slow) = out
    assert mid[0] == "virtual" and 0 < mid[1][4] < 3_000_000 and mid[1][7] in (CODE + 2, CODE + 4)
    assert (mid, end) == (mid_slow, end_slow)
    assert end[0] == "bkpt" and end[1][4] == 0


def systick_run(skip: bool, k: int, reload: int):
    """SysTick interrupts every reload + 1 cycles while the loop runs; the handler stores R4 (the loop's
    counter at the interrupted instruction) at BUF, R5 counting up: (what the run shows, values stored)."""
    # str r2,[r1,#4] (RVR); str r3,[r1,#8] (CVR); str r6,[r1,#0] (CSR: CLKSOURCE|TICKINT|ENABLE);
    # 1: subs r4,#1; bne.n 1b; str r3,[r1,#0] (SysTick off); mrs r0, apsr; bkpt
    code = halfwords(STR_R2_R1_4, STR_R3_R1_8, STR_R6_R1_0, SUBS_R4_1, BNE_SELF, STR_R3_R1_0, MRS_R0_APSR, BKPT)
    m = machine(skip, code)
    for r, v in ((UC_ARM_REG_R1, SYST), (UC_ARM_REG_R2, reload), (UC_ARM_REG_R3, 0), (UC_ARM_REG_R4, k),
                 (UC_ARM_REG_R5, BUF), (UC_ARM_REG_R6, 7)):
        m.uc.reg_write(r, v)
    m.write(HANDLER, halfwords(STR_R4_R5_POST4, BX_LR))
    m.write(VECTORS + 4 * 15, struct.pack("<I", HANDLER | 1))
    m.scb.set("VTOR", VECTORS)
    res = m.run(timeout_s=60)
    n = (m.reg(UC_ARM_REG_R5) - BUF) // 4
    return seen(m, res), struct.unpack(f"<{n}I", m.read(BUF, 4 * n)), m.vc.spin_insns


def test_interrupts_during_the_loop_interrupt_the_same_pass():
    fast, slow = systick_run(True, 200_000, 997), systick_run(False, 200_000, 997)
    assert fast[2] > 0 and slow[2] == 0
    assert fast[0][0] == "bkpt" and fast[0][1][4] == 0
    counters = fast[1]
    assert len(counters) > 100 and all(a > b for a, b in zip(counters, counters[1:]))
    assert fast[:2] == slow[:2]


def test_flashing_through_the_bootloader_is_the_same_with_its_pauses_skipped():
    """The bootloader pauses in rxidle.c's loop while the DMA receives at 8 Mbaud: the same virtual time to
    the picosecond, the same instruction count and the same NOR contents with the skip on and off."""
    assert os.path.exists(BL), "run `doit firmware` first"
    out = []
    nor = random.Random(5).randbytes(32 * 1024)
    for skip in (True, False):
        m = flash_h735(b"", nor, lambda m: vclock.delay_skip(m.vc, skip))
        out.append((m.clock.now, m.vc.insns, bytes(m.nor.mem[:len(nor)]), m.vc.spin_insns))
    fast, slow = out
    assert fast[3] > 0 and slow[3] == 0, "the bootloader's pauses were not skipped"
    assert fast[:3] == slow[:3]
