"""The simulated STM32F746G-DISCO proven from the firmware side: tests/firmware/f746 brings the clocks to
216 MHz, reports over USART1 (the VCP), drives the F7 flash controller and the QUADSPI NOR, and is run once
per NOR part the board is fitted with (N25Q128A up to rev B, W25Q128JV from rev C-03)."""
import os

import pytest

from stm32boot.sim.board import build
from stm32boot.sim.channels import InProcessChannel
from fw_report import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELF = os.path.join(ROOT, "build", "testfw", "f746", "f746.elf")
HCLK = 216_000_000


@pytest.fixture(autouse=True)
def _built():
    assert os.path.exists(ELF), "build the test firmwares: doit testfw"


_RUNS = {}


def run(part):
    """One run per part (the firmware takes ~2 s of virtual time, well under a second of wall time)."""
    if part not in _RUNS:
        chan, warnings = InProcessChannel(), []
        m = build("f746", strict=True, uart=chan, nor=part, warn=warnings.append)
        m.load_elf(ELF)
        m.reset()
        res = m.run(timeout_s=60)
        assert res.reason == "bkpt", res.summary() + (res.fault_report.format() if res.fault_report else "")
        _RUNS[part] = (report(chan), m, warnings)
    return _RUNS[part]


def ms(cycles):
    return cycles / HCLK * 1e3


@pytest.mark.parametrize("part", ["n25q128a", "w25q128jv"])
def test_clock_console_and_single_precision_fpu(part):
    r, m, _ = run(part)
    assert r["clock_ok"] == 1 and r["fpu"] == 9          # 1.5 * 3 * 2 in single precision
    assert m.rcc.hclk_hz() == HCLK and m.rcc.pclk_hz(2) == 108e6
    assert m.console.name == "USART1" and round(m.console.baud()) in range(115_000, 115_400)


def test_flash_unlock_uneven_sectors_and_their_erase_times():
    r, m, _ = run("n25q128a")
    assert r["fl_locked"] == 1 and r["fl_unlocked"] == 1 and r["fl_relocked"] == 1
    assert r["fl_erased"] == 1
    assert ms(r["fl_erase32k_x32_cycles"]) == pytest.approx(250, rel=1e-3)     # DS10916: 32 KB, x32
    assert ms(r["fl_erase128k_x8_cycles"]) == pytest.approx(1100, rel=1e-3)    # 128 KB, x8
    assert 16 <= r["fl_prog32_cycles"] / HCLK * 1e6 < 20                        # t_PROG 16 us


def test_flash_programs_at_each_psize_and_the_itcm_alias_shows_it():
    r, m, _ = run("n25q128a")
    assert r["fl_x8"] == 0x2211 and r["fl_x16"] == 0x4433 and r["fl_x32"] == 0x88776655
    assert r["fl_x64_lo"] == 0xDDCCBBAA and r["fl_x64_hi"] == 0x11FFEEDD
    assert r["fl_itcm_alias"] == 0x88776655
    assert m.read(0x0800_8000, 2) == b"\x11\x22"
    assert r["fl_eop"] == 1 and r["fl_errors_after_good"] == 0


def test_flash_error_flags_where_silicon_raises_them():
    r, _, warnings = run("n25q128a")
    assert r["fl_pgperr"] == 0x40 and r["fl_pgperr_cell"] == 0xFF   # dropped store
    assert r["fl_pgaerr"] == 0x20
    assert r["fl_erserr"] == 0x80
    assert r["fl_operr"] == 0x42                                     # PGPERR + OPERR with ERRIE=1
    assert r["fl_wrperr"] == 0x10
    assert any("write-protected sector 5" in w for w in warnings)


@pytest.mark.parametrize("part,jedec,erase_ms,pp_ms", [("n25q128a", 0x20BA18, 250, 0.5),
                                                        ("w25q128jv", 0xEF4018, 45, 0.4)])
def test_qspi_id_erase_and_program_on_the_virtual_clock(part, jedec, erase_ms, pp_ms):
    r, m, _ = run(part)
    assert r["q_jedec"] == jedec
    assert r["q_erased"] == 1
    assert ms(r["q_erase4k_cycles"]) == pytest.approx(erase_ms, rel=0.01)
    assert ms(r["q_pp_cycles"]) == pytest.approx(pp_ms, rel=0.1)
    page = bytes((i * 7 + 1) & 0xFF for i in range(256))
    assert bytes(m.nor.mem[0x1000:0x1100]) == page


@pytest.mark.parametrize("part", ["n25q128a", "w25q128jv"])
def test_qspi_quad_output_and_quad_io_reads(part):
    r, m, _ = run(part)
    assert r["q_qor_word0"] == 0x160F0801                          # 0x6B 1-1-4, page program 0x02 data
    assert r["q_qior_word0"] == 0xA6A7A4A5                         # 0xEB 1-4-4, quad page program 0x32 data
    assert r["q_mm_6b"] == 0xA2A3A0A1                              # mapped 0x6B, 8 dummies, at +0x104


def test_n25q_registers_and_protection_flags():
    r, m, _ = run("n25q128a")
    assert r["q_fsr"] == 0x80 and r["q_vcr"] == 0xFB
    assert r["q_sr_protect"] == 0x04 and r["q_sr_unprotected"] == 0
    assert r["q_fsr_after_protected"] == 0x80 | 0x20 | 0x02        # ready, erase error, protection error


def test_w25q_quad_enable_and_silent_protection():
    r, m, _ = run("w25q128jv")
    assert r["q_sr2"] & 0x02                                       # QE set on the -IQ part
    assert r["q_sr_protect"] == 0x04 and r["q_sr_unprotected"] == 0
    assert any("protected area" in t for t in m.nor.trace)
    assert bytes(m.nor.mem[0xFFF000:0xFFF010]) == b"\xff" * 16


@pytest.mark.parametrize("part,wrong", [("n25q128a", 0x0F080100), ("w25q128jv", 0x241D160F)])
def test_memory_mapped_right_and_wrong_dummy_cycles(part, wrong):
    r, m, _ = run(part)
    assert r["q_mm_right"] == 0x160F0801
    # N25Q with 8 instead of 10 dummies: one byte of bus noise first ("first bytes read 0");
    # W25Q with 10 instead of 6: the first two bytes are lost.
    assert r["q_mm_wrong"] == wrong
    assert any("dummy cycles" in t for t in m.nor.trace)


@pytest.mark.parametrize("part", ["n25q128a", "w25q128jv"])
def test_qspi_program_during_an_erase_is_ignored(part):
    r, m, _ = run(part)
    assert r["q_after_busy_program"] == 0x160F0801                 # the page kept its data
    assert any("while a program/erase is in progress" in t for t in m.nor.trace)
