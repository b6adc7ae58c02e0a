"""Simulator fidelity (issue 16): code we did not write (vendor-style sequences, tests/firmware/fidelity)
must behave on the simulated H735 as on silicon, failure modes included."""
import pytest
from unicorn.arm_const import UC_ARM_REG_R1

from ospi_build import build_with_symbols
from stm32boot.sim.board import build as sim_build

STUB, SP = 0x2400_0000, 0x2404_0000
OPERR = 1 << 22


@pytest.fixture(scope="module")
def fid():
    return build_with_symbols("tests/firmware/fidelity/images.py", "fid_fw")


def board(fid, **kw):
    m = sim_build("h735", strict=True, **kw)
    m.load_elf(fid[0])
    m.write(STUB, b"\x00\xbe\x00\x00")
    return m


def call(m, fid, name, *args, timeout_s=30):
    r = m.call(fid[1][name], args, lr_stub=STUB, sp=SP, timeout_s=timeout_s)
    assert r.reason == "until", r.summary()
    return r


@pytest.mark.parametrize("profile", ["typ", "zero"])
def test_hal_style_flash_word_program_reports_no_error_and_reprogram_reports_operr(fid, profile):
    warnings = []
    m = board(fid, warn=warnings.append)
    m.flash_ctl.profile = profile
    addr = 0x0804_0020                       # sector 2, second flash word
    r = call(m, fid, "t_flash_word", 2, addr, 0x11223344)
    first, second = r.r0, m.uc.reg_read(UC_ARM_REG_R1)
    assert first == 0, f"SR errors 0x{first:08X} on a correct erase+program; notes: {warnings}"
    want = b"".join(((0x11223344 + i * 0x01010101) & 0xFFFFFFFF).to_bytes(4, "little") for i in range(8))
    assert m.read(addr, 32) == want
    assert m.read(addr - 32, 32) == b"\xff" * 32 and m.read(addr + 32, 32) == b"\xff" * 32
    # Programming the same (not erased) word again: what the model reports for silicon's ECC trouble.
    assert second & OPERR
    assert any("programmed twice without erase" in w for w in warnings)


SMPS_DIRECT, LDO = 0x04, 0x02      # PWR CR3 SMPSEN / LDOEN (RM0468, PWR_CR3)


def test_supply_configuration_survives_system_reset_and_is_write_once(fid):
    warnings = []
    m = board(fid, warn=warnings.append)
    assert call(m, fid, "t_supply", SMPS_DIRECT).r0 & 0x3F == SMPS_DIRECT
    m.request_reset()            # what a software reset (AIRCR.SYSRESETREQ) does
    m.reset()
    m.write(STUB, b"\x00\xbe\x00\x00")
    assert m.pwr.get("CR3") & 0x3F == SMPS_DIRECT, "a system reset forgot the supply configuration"
    # A loader or application after the reset changes VOS without writing CR3: works, as on silicon.
    r = call(m, fid, "t_vos0")
    assert r.r0 >> 14 & 3 == 0            # ACTVOS = Scale 0
    # Write-once until power-on reset: another configuration is ignored and said so.
    assert call(m, fid, "t_supply", LDO).r0 & 0x3F == SMPS_DIRECT
    assert any("write-once" in w for w in warnings)
    m.pwr.power_on_reset()
    assert m.pwr.get("CR3") & 0x3F == 0x06


def test_vos_change_without_supply_configuration_hangs_and_says_why(fid):
    warnings = []
    m = board(fid, warn=warnings.append)
    r = m.call(fid[1]["t_vos0"], (), lr_stub=STUB, sp=SP, timeout_s=30, max_virtual_s=1.0)
    assert r.reason in ("hang", "virtual"), r.summary()
    assert any("VOSRDY does not rise" in w and "CR3" in w for w in warnings), warnings


def test_vendor_startup_fmc_bcr1_and_gpio_deinit_exticr_are_plain_registers(fid):
    m = board(fid)                       # strict: an unmodelled access would raise
    assert call(m, fid, "t_fmc_bcr1").r0 == 0x30D2   # bit 7 (reserved) reads 1
    assert m.fmc.get("BCR1") == 0x30D2   # stored; the clock is off again: reads would give 0
    r = call(m, fid, "t_exticr").r0
    assert (r & 0xFFFF, r >> 16) == (0x0020, 0x0000)


BUF = 0x2403_0000


def test_octal_dtr_odd_counts_and_odd_addresses(fid):
    m = board(fid)
    m.nor.times = {k: 0 for k in m.nor.times}
    assert call(m, fid, "t_dtr_enter").r0 == 0
    m.nor.mem[0x2000:0x2010] = bytes(range(0x40, 0x50))

    def read(addr, n):
        m.write(BUF, b"\0" * 8)
        sr = call(m, fid, "t_dtr_read", addr, n, BUF).r0
        return sr, m.read(BUF, n), call(m, fid, "t_dtr_drain").r0

    # Even address and count: nothing left over.
    sr, data, drained = read(0x2000, 4)
    assert (data, sr >> 5 & 1, sr >> 8 & 0x3F, drained) == (bytes(range(0x40, 0x44)), 0, 0, 0)
    # Odd count: one more byte is clocked; it stays in the FIFO and BUSY stays 1 until it is drained.
    sr, data, drained = read(0x2000, 3)
    assert data == bytes(range(0x40, 0x43)) and sr & 2           # TCF: the transfer itself is over
    assert (sr >> 5 & 1, sr >> 8 & 0x3F) == (1, 1)
    assert drained == 1                                          # one byte drained, BUSY then 0
    # Odd address: the NOR ignores A0, the data starts one byte lower.
    sr, data, _ = read(0x2001, 4)
    assert data == bytes(range(0x40, 0x44))
    notes = list(m.octospi1.trace) + list(m.nor.trace)
    assert any("odd byte count 3 in octal DTR" in n for n in notes)
    assert any("odd address 0x2001 in DTR: A0 is ignored" in n for n in notes)

    # Odd count programmed: the bytes land where they were meant to; the extra byte after them is 0xFF
    # here (unspecified on silicon) and said so. (Was 11 22 FF 33: the pad went in after the swap.)
    m.write(BUF, bytes((0x11, 0x22, 0x33)))
    assert call(m, fid, "t_dtr_program", 0x3000, 3, BUF).r0 == 0
    assert bytes(m.nor.mem[0x3000:0x3004]) == bytes((0x11, 0x22, 0x33, 0xFF))
    assert any("odd byte count 3 written in octal DTR" in n for n in m.octospi1.trace)
    # Odd address programmed: lands one byte lower (A0 ignored).
    assert call(m, fid, "t_dtr_program", 0x4001, 2, BUF).r0 == 0
    assert bytes(m.nor.mem[0x4000:0x4003]) == bytes((0x11, 0x22, 0xFF))


def _gated(m):
    return [p for p in m.bus.peripherals if getattr(p, "clock_gate", None) and p.clock_gate[0].endswith("ENR")]


def test_every_gated_model_has_its_rcc_reset_bit():
    from stm32boot.sim.periph.rcc import RSTR_REGS
    m = sim_build("h735", strict=True)
    gated = _gated(m)
    assert {"OCTOSPI1", "OCTOSPI2", "OCTOSPIM", "GPIOD", "USART3", "DMA1", "FMC", "SYSCFG"} <= {p.name for p in gated}
    enr_to_rstr = {v: k for k, v in RSTR_REGS.items()}
    for p in gated:
        enr, bit = p.clock_gate
        rstr = m.rcc.reg(enr_to_rstr[enr]).offset
        reg = next(r for r in p.REGS if r.access == "rw")
        m.rcc.bus_write(m.rcc.reg(enr).offset, 4, m.rcc.get(enr) | 1 << bit)
        at_reset = p.get(reg.name)
        p.set(reg.name, at_reset ^ 0x10)                   # some state the reset must undo
        m.rcc.bus_write(rstr, 4, 1 << bit)                 # held in reset ...
        assert p.get(reg.name) == at_reset, f"{p.name}: {enr_to_rstr[enr]} bit {bit} did not reset it"
        p.set(reg.name, at_reset ^ 0x10)                   # ... a write while held is lost on release
        m.rcc.bus_write(rstr, 4, 0)
        assert p.get(reg.name) == at_reset, p.name


def test_rcc_reset_of_octospim_clears_its_fault_state():
    m = sim_build("h735", strict=False, warn=lambda s: None)
    om = m.octospim
    om.broken[1] = "OCTOSPIM P1CR written while OCTOSPI1 is memory-mapped"
    m.rcc.bus_write(m.rcc.reg("AHB3RSTR").offset, 4, 1 << 21)
    m.rcc.bus_write(m.rcc.reg("AHB3RSTR").offset, 4, 0)
    assert om.broken == {} and om.route(1) == (True, "")


def test_a_status_wait_with_a_tick_timeout_times_out_instead_of_hanging(fid):
    # Nothing will ever raise VOSRDY (supply unconfigured) and no event is pending: a wait bounded by a
    # DWT cycle count must run until its own timeout, as on silicon, not be stopped as a "hang".
    m = board(fid, warn=lambda s: None)
    m.hang_polls = 1000
    r = call(m, fid, "t_vos0_timed", 400_000)
    assert r.r0 == 1
    assert r.virtual_s >= 400_000 / 64e6
