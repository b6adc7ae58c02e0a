"""The C side's register fast paths (native/vclock_bus.c: stable reads answered in C, posted writes) against
every access going through the models: a guest must read the same values at the same instruction counts
either way (docs/emulator-notes.md, "Speed and the clock hook")."""
import os
import random
import struct

from unicorn.arm_const import UC_ARM_REG_R0, UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_PC

from stm32boot.sim import vclock
from stm32boot.sim.board import build as sim_build
from sim_flashing import flash_h735

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build/firmware/h735/bootloader.elf")
NOR = 0x9000_0000
CODE = 0x2400_0000          # AXI SRAM
OSPI = 0x5200_5000          # OCTOSPI1 (RM0468, OCTOSPI register map)
CR, SR, FCR, CCR, IR = 0x000, 0x020, 0x024, 0x100, 0x110

def clocked_model(board: str, name: str, slow: bool):
    """A fresh simulated `board` and its model `name` with its RCC clock on; slow: every access through the
    models, as --trace does."""
    m = sim_build(board, state_dir=None, warn=lambda *a: None)
    if slow:
        m.trace = lambda line: None
    p = getattr(m, name)
    gate, bit = p.clock_gate
    m.rcc.bus_write(m.rcc.reg(gate).offset, 4, m.rcc.get(gate) | 1 << bit)
    return m, p


def ospi_with_tcf(slow: bool):
    """An H735 whose OCTOSPI1 finished an instruction-only command (SR.TCF=1), set up host-side."""
    m, o = clocked_model("h735", "octospi1", slow)
    o.bus_write(CR, 4, 1)                      # EN, indirect write
    o.bus_write(CCR, 4, 1)                     # IMODE=1: one instruction byte, no address, no data
    o.bus_write(IR, 4, 0x06)                   # starts at the IR write (RM0468, command start rules)
    m.clock.advance_to(m.clock.now + 10**9)    # 1 ms: long over
    assert o.bus_read(SR, 4) & 2, "set-up: TCF expected"
    return m, o


def run_guest(m, halfwords):
    """Thumb code at CODE with r1 = OCTOSPI1's base (literal after the code), until its BKPT."""
    code = struct.pack(f"<{len(halfwords)}H", *halfwords)
    code += b"\0" * (-len(code) % 4) + struct.pack("<I", OSPI)
    m.write(CODE, code)
    m.uc.reg_write(UC_ARM_REG_PC, CODE | 1)
    res = m.run(timeout_s=5)
    assert res.reason == "bkpt", res.summary()
    return m.reg(UC_ARM_REG_R0), m.reg(UC_ARM_REG_R3), m.reg(UC_ARM_REG_R4)


def fcr_then_sr(slow: bool):
    m, o = ospi_with_tcf(slow)
    # ldr r1,[pc,#12]; ldr r0,[r1,#SR]; movs r2,#2; str r2,[r1,#FCR]; ldr r3,[r1,#SR]; ldr r4,[r1,#CR];
    # bkpt; nop; .word OSPI
    regs = run_guest(m, [0x4903, 0x6A08, 0x2202, 0x624A, 0x6A0B, 0x680C, 0xBE00, 0xBF00])
    return regs, m.vc.posted, m.vc.rc_hits


def test_a_posted_flag_clear_is_seen_by_the_next_status_read_answered_in_c():
    """SR read (its model's SR and CR then known to the C side), FCR.CTCF posted, SR and CR read again:
    both answered in C, the second SR read with TCF cleared as the model will have it once the write lands,
    and every value the same as with each access through the model."""
    (sr0, sr1, cr), posted, hits = fcr_then_sr(slow=False)
    assert sr0 & 2 and not sr1 & 2, (hex(sr0), hex(sr1))
    assert sr1 == sr0 & ~2 and cr & 1
    assert posted == 1 and hits == 2, "the FCR write was not posted, or SR/CR not answered in C"
    slow = fcr_then_sr(slow=True)
    assert slow[1:] == (0, 0)
    assert slow[0] == (sr0, sr1, cr)


def ccr_write(mapped: bool):
    m, o = ospi_with_tcf(slow=False)
    if mapped:
        o.bus_write(CR, 4, 1 | 3 << 28)        # FMODE=3: memory-mapped
    # ldr r1,[pc,#12]; ldr r0,[r1,#CR]; movs r2,#2; str.w r2,[r1,#CCR]; ldr r3,[r1,#SR]; bkpt; nop
    regs = run_guest(m, [0x4903, 0x6808, 0x2202, 0xF8C1, 0x2100, 0x6A0B, 0xBE00, 0xBF00])
    return regs, m.vc.posted, o.get("CCR"), o.window.kind


def test_ccr_is_posted_only_out_of_memory_mapped_mode():
    """A CCR write sets up the memory-mapped window: posted in indirect mode (where it only stores the
    value: the model holds it afterwards), taken by the model at once in memory-mapped mode (where BUSY=1
    drops it, RM0468 OCTOSPI register descriptions)."""
    _, posted, ccr, kind = ccr_write(mapped=False)
    assert (posted, ccr, kind) == (1, 2, "off")
    _, posted, ccr, kind = ccr_write(mapped=True)
    assert posted == 0 and ccr == 1


def flash_digest(fast: bool):
    """A fresh H735 flashed with 8 KB of internal flash and 16 KB of NOR at 8 Mbaud: the digest of every
    guest register access (address, size, value, instruction count), the virtual ps and the instructions."""
    def setup(m):
        m.fast_io = fast
        vclock.digest_start(m.vc)
    m = flash_h735(random.Random(5).randbytes(8 * 1024), random.Random(6).randbytes(16 * 1024), setup)
    return vclock.digest(m.vc), m.clock.now, m.vc.insns, m.vc.rc_hits, m.vc.posted


def test_every_register_value_the_bootloader_reads_is_the_same_with_and_without_the_fast_paths():
    assert os.path.exists(BL), "run `doit firmware` first"
    fast, slow = flash_digest(True), flash_digest(False)
    assert fast[3] > 0 and fast[4] > 0, "the fast paths were not used"
    assert slow[3:] == (0, 0)
    assert fast[:3] == slow[:3]


def slow_window_sr(slow: bool):
    """OCTOSPI1 memory-mapped over a read command the NOR array cannot serve as is (8 dummy cycles on a
    plain READ): the window's slow path, where every guest access reaches the model. After its timeout
    (TCEN, LPTR) SR shows TOF and BUSY=0; the guest reads SR, the window, SR again."""
    m, o = clocked_model("h735", "octospi1", slow)
    o.pins, o.port_ok = (), (lambda: (True, ""))   # set-up shortcut: no GPIO/OCTOSPIM routing needed here
    o.bus_write(0x008, 4, 25 << 16)                # DCR1.DEVSIZE: 64 MB
    o.bus_write(0x130, 4, 10)                      # LPTR: 10 cycles
    o.bus_write(0x108, 4, 8)                       # TCR: 8 dummy cycles
    o.bus_write(CCR, 4, 0x0100_0101)               # instruction, address, data on one line
    o.bus_write(IR, 4, 0x03)
    o.bus_write(CR, 4, 0x3000_0001 | 8)            # memory-mapped, TCEN
    assert o.window.kind == "slow"
    m.clock.advance_to(m.clock.now + 10**9)
    assert o.bus_read(SR, 4) == 0x10, "set-up: TOF, not BUSY"
    # ldr r1,[pc,#8]; ldr r2,[pc,#12]; ldr r0,[r1,#SR]; ldr r4,[r2]; ldr r3,[r1,#SR]; bkpt; .word OSPI, NOR
    code = struct.pack("<6H2I", 0x4902, 0x4A03, 0x6A08, 0x6814, 0x6A0B, 0xBE00, OSPI, NOR)
    m.write(CODE, code)
    m.uc.reg_write(UC_ARM_REG_PC, CODE | 1)
    res = m.run(timeout_s=5)
    assert res.reason == "bkpt", res.summary()
    return m.reg(UC_ARM_REG_R0), m.reg(UC_ARM_REG_R3)


def test_a_window_access_on_the_slow_path_is_seen_by_the_next_status_read():
    """The window access restarts the mapped-mode prefetch (BUSY=1 until the next timeout): the SR read
    after it must show that, not what the C side was told before it (the window's accesses do not come
    through the register dispatch)."""
    before, after = slow_window_sr(slow=False)
    assert before == 0x10 and after & 0x20, (hex(before), hex(after))
    assert (before, after) == slow_window_sr(slow=True)


def f7_fcr_then_sr(slow: bool):
    """The F746's QUADSPI (RM0385 QUADSPI chapter: CR 0x00, SR 0x08, FCR 0x0C) after an instruction-only
    command: SR read, FCR.CTCF, SR and CR read again by the guest."""
    m, q = clocked_model("f746", "quadspi", slow)
    q.bus_write(0x00, 4, 1)                        # EN
    q.bus_write(0x14, 4, 0x106)                    # CCR: IMODE=1, instruction 0x06: starts at this write
    m.clock.advance_to(m.clock.now + 10**9)
    assert q.bus_read(0x08, 4) & 2, "set-up: TCF expected"
    # ldr r1,[pc,#12]; ldr r0,[r1,#8]; movs r2,#2; str r2,[r1,#12]; ldr r3,[r1,#8]; ldr r4,[r1,#0]; bkpt; nop
    code = struct.pack("<8HI", 0x4903, 0x6888, 0x2202, 0x60CA, 0x688B, 0x680C, 0xBE00, 0xBF00, q.base)
    m.write(0x2000_0000, code)
    m.uc.reg_write(UC_ARM_REG_PC, 0x2000_0001)
    res = m.run(timeout_s=5)
    assert res.reason == "bkpt", res.summary()
    return (m.reg(UC_ARM_REG_R0), m.reg(UC_ARM_REG_R3), m.reg(UC_ARM_REG_R4)), m.vc.posted, m.vc.rc_hits


def test_f7_quadspi_flag_clear_posted_and_status_answered_in_c():
    (sr0, sr1, cr), posted, hits = f7_fcr_then_sr(slow=False)
    assert sr0 & 2 and sr1 == sr0 & ~2 and cr & 1, (hex(sr0), hex(sr1), hex(cr))
    assert posted == 1 and hits == 2
    slow = f7_fcr_then_sr(slow=True)
    assert slow[1:] == (0, 0) and slow[0] == (sr0, sr1, cr)
