"""The SoC models proven from the firmware side: tests/firmware/soc runs our drivers (clock, GPIO, USART,
FLASH) on the simulated H735 and reports over USART3."""
import os
import threading

import pytest

from stm32boot.sim.board import build as sim_build
from stm32boot.sim.channels import InProcessChannel, PtyChannel
from stm32boot.sim.clock import PS_PER_S
from fw_report import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELF = os.path.join(ROOT, "build", "testfw", "soc", "soc.elf")
@pytest.fixture(autouse=True)
def _built():
    # `doit test` builds first, so a missing image is a broken build, not a reason to skip.
    assert os.path.exists(ELF), "build the test firmwares: doit testfw"


def boot(chan, cmd: bytes, flash_profile="typ", prepare=None):
    m = sim_build("h735", strict=True, uart=chan, warn=lambda msg: warnings.append(msg))
    m.flash_ctl.profile = flash_profile
    m.load_elf(ELF)
    m.reset()
    if prepare:
        prepare(m)
    res = m.run(timeout_s=30, until=lambda: b"?\n" in chan.received)
    assert res.reason == "until", res.summary()
    chan.take()
    chan.tx_log.clear()
    chan.send(cmd)
    return m


warnings: list = []


def test_clock_bring_up_to_520mhz_and_systick_against_dwt():
    chan = InProcessChannel()
    m = boot(chan, b"c")
    res = m.run(timeout_s=60)
    assert res.reason == "bkpt", res.summary() if hasattr(res, "summary") else res
    got = report(chan)
    assert got["clock_rc"] == 0
    assert got["sysclk"] == m.rcc.sysclk_hz() == 520_000_000
    assert got["hclk"] == 260_000_000 and got["pclk1"] == 130_000_000
    assert got["octospi_ker"] == m.rcc.kernel_hz("octospi") == 200_000_000
    assert got["usart3_ker"] == int(m.rcc.kernel_hz("usart3"))
    assert got["dwt_per_ms"] == pytest.approx(520_000, rel=0.01)
    assert m.pwr.vos_scale() == "Scale 0"


def test_echo_through_the_in_process_channel_at_wire_speed():
    chan = InProcessChannel()
    m = boot(chan, b"ehello\x04")
    t0 = m.clock.now
    res = m.run(timeout_s=60)
    assert res.reason == "bkpt"
    assert chan.take() == b"hello\nbye\n"
    frame = 10 * PS_PER_S / m.usart3.baud()
    # 'h' is on the wire 2 frames after the host sent "eh", and its echo takes one more frame
    assert chan.tx_log[0][0] - t0 == pytest.approx(3 * frame, rel=0.01)
    # the last byte: 7 frames in, then "\nbye\n" (5 frames) out
    assert chan.tx_log[-1][0] - t0 == pytest.approx(12 * frame, rel=0.01)


def test_echo_through_a_pty_opened_with_pyserial():
    serial = pytest.importorskip("serial")
    chan = PtyChannel(announce=None)
    try:
        m = sim_build("h735", strict=True, uart=chan)
        m.load_elf(ELF)
        m.reset()
        port = serial.Serial(chan.path, 115200, timeout=10)
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("r", m.run(timeout_s=30)))
        t.start()
        assert port.read(2) == b"?\n"
        port.write(b"e")
        port.write(b"ping")
        assert port.read(4) == b"ping"
        port.write(b"\x04")
        assert port.read(5) == b"\nbye\n"
        t.join(30)
        assert result["r"].reason == "bkpt"
        port.close()
    finally:
        chan.close()


def test_late_reader_gets_an_overrun():
    chan = InProcessChannel()
    m = boot(chan, b"o")
    # The firmware answers "ready" (6 frames) then sleeps 2 ms (~23 frames) before reading: the host's
    # 3 bytes, put on the wire 8 frames after the command, all complete while it sleeps.
    frame = int(10 * PS_PER_S / m.usart3.baud())
    chan.send(b"XYZ", at_ps=m.clock.now + 8 * frame)
    res = m.run(timeout_s=30)
    assert res.reason == "bkpt"
    got = report(chan)
    assert got["overrun"] == 1
    assert got["next"] == ord("X")   # RDR kept the first byte; Y and Z were lost
    assert [b for _, b, why in m.usart3.lost if "overrun" in why] == [ord("Y"), ord("Z")]


def test_flash_program_verify_and_every_error_flag():
    chan = InProcessChannel()
    m = boot(chan, b"f", prepare=lambda m: m.flash_ctl.protect(5))
    t0 = m.clock.now
    res = m.run(timeout_s=60)
    assert res.reason == "bkpt"
    got = report(chan)
    assert got["unlock"] == 0 and got["erase"] == 0 and got["program"] == 0 and got["verify"] == 1
    assert bytes(m.read(0x08040000, 4)) == bytes([1, 8, 15, 22])
    assert got["reprogram"] != 0
    assert any("flash word 0x08040000 programmed twice without erase" in r for r in m.flash_ctl.reports)
    assert got["pgserr"] == got["strberr"] == got["incerr"] == 1
    assert bytes(m.read(0x08041000, 0x140)) == b"\xff" * 0x140   # refused stores leave no trace
    assert got["wrp"] == 3 and got["wrp_addr"] == 0x080A0000   # FLASH_ERR_WRP, sector 5
    assert got["relock"] == 1                                  # FLASH_ERR_LOCKED after a wrong key
    # sector erase (x32: 1.1 s typ) and 8 word programs are in the virtual time
    assert (m.clock.now - t0) / PS_PER_S > 1.1


def test_option_bytes_survive_in_the_state_directory(tmp_path):
    m = sim_build("h735", state_dir=str(tmp_path), blank=True, strict=True, warn=lambda s: None)
    m.flash_ctl.protect(6)
    m.close()
    m = sim_build("h735", state_dir=str(tmp_path), strict=True, warn=lambda s: None)
    try:
        assert m.flash_ctl.protected(6) and not m.flash_ctl.protected(5)
        assert m.read32(0x5200_2000 + 0x38) & 0xFF == 0xBF   # WPSN_CUR as the firmware reads it
    finally:
        m.close()


@pytest.mark.parametrize("pc, stalls", [(0x0800_0200, True), (0x2400_0000, False)])
def test_code_running_from_the_single_bank_waits_for_its_erase_and_code_in_ram_does_not(pc, stalls):
    """RM0468 FLASH chapter: read-while-write only across banks, and the H735 has one. A sector erase started
    by code running from the flash holds that code until the erase ends; code in AXI SRAM keeps running."""
    from stm32boot import _regs
    from unicorn.arm_const import UC_ARM_REG_PC
    C = _regs.lib
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    f = m.flash_ctl
    m.uc.reg_write(UC_ARM_REG_PC, pc)
    f.bus_write(C.FLASH_KEYR, 4, C.FLASH_KEY1)
    f.bus_write(C.FLASH_KEYR, 4, C.FLASH_KEY2)
    t0 = m.clock.now
    f.bus_write(C.FLASH_CR, 4, (f.get("CR") & ~C.FLASH_CR_LOCK) | C.FLASH_CR_SER | (3 << 8))
    f.bus_write(C.FLASH_CR, 4, f.get("CR") | C.FLASH_CR_START)
    busy = f.bus_read(C.FLASH_SR, 4) & C.FLASH_SR_QW
    waited = (m.clock.now - t0) / PS_PER_S
    if stalls:
        assert not busy and waited >= 1.0        # sector erase: 1.0-1.1 s typical by PSIZE
    else:
        assert busy and waited < 0.001
    m.close()
