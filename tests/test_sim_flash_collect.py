"""The C side's flash-word collection (native/vclock.h): the guest's stores of one internal-flash word held in
C and handed to the FLASH model in one call at the last one, or one by one at their own instruction counts
whenever anything else happens first. Exact: every register value the guest reads (the access digest), the
virtual time, the instruction count, the flash contents and the controller's error flags must be those of
every store going to the model at once."""
import os
import random

from stm32boot.sim import vclock
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.channels import InProcessChannel
from fw_report import report
from sim_flashing import APP, NOR, flash_h735

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build/firmware/h735/bootloader.elf")
SOC = os.path.join(ROOT, "build/testfw/soc/soc.elf")


def flash_through_the_bootloader(collect: bool, fast_io: bool = True):
    """A fresh H735 flashed with 16 KB of internal flash and 8 KB of NOR at 8 Mbaud."""
    def setup(m):
        m.fast_io = fast_io
        m.collect_flash_words = collect
        vclock.digest_start(m.vc)
    m = flash_h735(random.Random(7).randbytes(16 * 1024), random.Random(8).randbytes(8 * 1024), setup)
    assert not m.flash_ctl.get("CR", "PG"), "CR.PG left set once the queue drained"
    return (vclock.digest(m.vc), m.clock.now, m.vc.insns, bytes(m.flash.buf)), m.vc.fw_words


def test_the_bootloader_flashes_the_same_with_its_flash_words_collected_in_c():
    assert os.path.exists(BL), "run `doit firmware` first"
    collected, words = flash_through_the_bootloader(True)
    plain, none = flash_through_the_bootloader(False)
    assert words >= 16 * 1024 // 32, "the words were not collected"
    assert none == 0
    assert collected == plain
    slow, _ = flash_through_the_bootloader(False, fast_io=False)
    assert slow[1:] == plain[1:]     # (the digest with and without fast_io: test_sim_fast_paths.py)


def soc_flash_scenario(collect: bool, fast_io: bool = True):
    """tests/firmware/soc's flash scenario: programs and verifies 256 bytes through the driver, then provokes
    PGSERR (a store with PG=0), STRBERR (a byte stored twice), INCERR (a store into another word while one is
    open), WRPERR and a wrong key, the stores separated by a DSB only (no register access between them)."""
    chan = InProcessChannel()
    m = sim_build("h735", strict=True, uart=chan, warn=lambda *a: None)
    m.fast_io = fast_io
    m.collect_flash_words = collect
    m.load_elf(SOC)
    m.reset()
    m.flash_ctl.protect(5)
    res = m.run(timeout_s=30, until=lambda: b"?\n" in chan.received)
    assert res.reason == "until", res.summary()
    chan.take()
    vclock.digest_start(m.vc)
    chan.send(b"f")
    res = m.run(timeout_s=60)
    assert res.reason == "bkpt", res.summary()
    got = report(chan)
    return (got, vclock.digest(m.vc), m.clock.now, m.vc.insns, bytes(m.flash.buf), m.flash_ctl.get("SR"),
            m.flash_ctl.reports), m.vc.fw_words


def test_error_flags_and_partial_words_are_the_same_with_the_stores_held_in_c():
    assert os.path.exists(SOC), "build the test firmwares: doit testfw"
    collected, words = soc_flash_scenario(True)
    plain, _ = soc_flash_scenario(False)
    got = collected[0]
    assert got["program"] == 0 and got["verify"] == 1
    assert got["pgserr"] == got["strberr"] == got["incerr"] == 1
    assert words >= 8, "the program's words were not collected"
    assert collected == plain
    slow, _ = soc_flash_scenario(False, fast_io=False)
    assert slow[0] == plain[0] and slow[2:] == plain[2:]


CODE = 0x2400_0000          # AXI SRAM
WORD = 0x0804_0000          # sector 2, erased
# r1 = WORD, r2 = the value, r3 = FLASH's registers: three stores, SR into r0, the other five, SR into r4.
# str r2,[r1,#0]; str r2,[r1,#4]; str r2,[r1,#8]; ldr r0,[r3,#0x10]; str r2,[r1,#12] ... [r1,#28];
# ldr r4,[r3,#0x10]; bkpt
HELD_THEN_SR = [0x600A, 0x604A, 0x608A, 0x6918, 0x60CA, 0x610A, 0x614A, 0x618A, 0x61CA, 0x691C, 0xBE00]
# the same eight stores with no access between them (one whole word), then SR into r4
WHOLE_WORD = [0x600A, 0x604A, 0x608A, 0x60CA, 0x610A, 0x614A, 0x618A, 0x61CA, 0x691C, 0xBE00]


def guest_stores(code, collect: bool, stop_at=None):
    """The guest runs `code` with programming enabled (host-side set-up); with stop_at, the run first stops
    at that halfword (a slice ends while stores may be held), then goes on."""
    import struct
    from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, \
        UC_ARM_REG_R4
    from stm32boot import _regs
    C = _regs.lib
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.collect_flash_words = collect
    f = m.flash_ctl
    f.bus_write(C.FLASH_KEYR, 4, C.FLASH_KEY1)
    f.bus_write(C.FLASH_KEYR, 4, C.FLASH_KEY2)
    f.bus_write(C.FLASH_CR, 4, C.FLASH_CR_PG | 2 << C.FLASH_CR_PSIZE_Pos)
    m.write(CODE, struct.pack(f"<{len(code)}H", *code))
    for reg, v in ((UC_ARM_REG_R1, WORD), (UC_ARM_REG_R2, 0x1234_5678), (UC_ARM_REG_R3, f.base),
                   (UC_ARM_REG_PC, CODE | 1)):
        m.uc.reg_write(reg, v)
    vclock.digest_start(m.vc)
    held = None
    if stop_at is not None:
        res = m.run(timeout_s=5, until=CODE + 2 * stop_at)
        assert res.reason == "until", res.summary()
        held = dict(f.buf)             # what the model holds when the host looks between two slices
    res = m.run(timeout_s=5)
    assert res.reason == "bkpt", res.summary()
    m.clock.advance_to(m.clock.now + 10**9)   # 1 ms: the word's program time is over
    return (m.reg(UC_ARM_REG_R0), m.reg(UC_ARM_REG_R4), held, vclock.digest(m.vc), m.clock.now, m.vc.insns,
            bytes(m.read(WORD, 32)), f.get("SR")), m.vc.fw_words


def test_stores_held_in_c_reach_the_model_before_a_register_read_and_at_a_slice_end():
    from stm32boot import _regs
    C = _regs.lib
    held, _ = guest_stores(HELD_THEN_SR, True)
    plain, none = guest_stores(HELD_THEN_SR, False)
    assert held == plain and none == 0
    r0, r4 = held[0], held[1]
    assert r0 & C.FLASH_SR_WBNE and not r0 & C.FLASH_SR_QW     # three stores in the buffer
    assert r4 & C.FLASH_SR_QW and not r4 & C.FLASH_SR_WBNE     # the word programs
    assert held[6] == bytes.fromhex("78563412") * 8
    stopped, _ = guest_stores(WHOLE_WORD, True, stop_at=3)
    assert stopped[2] == {i: b for i in range(12) for b in [bytes.fromhex("78563412")[i % 4]]}
    assert stopped[1:] == guest_stores(WHOLE_WORD, False, stop_at=3)[0][1:]


def test_a_whole_word_is_handed_over_in_one_call_with_the_same_result():
    collected, words = guest_stores(WHOLE_WORD, True)
    plain, _ = guest_stores(WHOLE_WORD, False)
    assert words == 1 and collected == plain
    assert collected[6] == bytes.fromhex("78563412") * 8
