"""Firmware-side tests of the OCTOSPI models: tests/firmware/ospi/ospi_fw.c runs on the simulated
H735 (unicorn) and drives each mode; each scenario is a function called like a loader entry point."""
import pytest

from ospi_build import build_with_symbols
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.devices.mx25lm import PROFILES
from stm32boot.sim.periph.ospi_board import add_ospi

STUB, SP = 0x2400_0000, 0x2404_0000


@pytest.fixture(scope="module")
def elf():
    return build_with_symbols("tests/firmware/ospi/images.py", "ospi_fw")


def board(elf, profile="typical"):
    m = sim_build("h735", strict=True)
    if not hasattr(m, "octospi1"):  # the chip module adds the OCTOSPI side (sim/chips/stm32h73x.py)
        add_ospi(m, profile)
    m.nor.times = PROFILES[profile]
    m.load_elf(elf[0])
    m.write(STUB, b"\x00\xbe\x00\x00")
    return m


def call(m, elf, name, *args):
    r = m.call(elf[1][name], args, lr_stub=STUB, sp=SP, timeout_s=30)
    return r


def test_indirect_spi_program_read_and_status_polling_cost_virtual_time(elf):
    m = board(elf)
    r = call(m, elf, "t_spi")
    assert r.reason == "until", r.summary()
    assert r.r0 == 0
    assert bytes(m.nor.mem[0x1000:0x1004]) == bytes((0xA0, 0xA1, 0xA2, 0xA3))
    # 4 KB erase (25 ms) + one page program (0.15 ms) on the virtual clock, found by status polling.
    assert 0.025 < r.virtual_s < 0.03


def test_octal_dtr_program_read_and_polling(elf):
    m = board(elf)
    r = call(m, elf, "t_dopi")
    assert (r.reason, r.r0) == ("until", 0), r.summary()
    assert m.nor.mode == "dopi"
    assert bytes(m.nor.mem[0x2000:0x2004]) == bytes((0xA0, 0xA1, 0xA2, 0xA3))


def test_memory_mapped_nor_reads_and_wrong_dummy_cycles(elf):
    m = board(elf, "zero")
    m.nor.mem[0x2000:0x2008] = bytes(range(0x11, 0x19))
    r = call(m, elf, "t_map_dtr", 6)
    assert (r.reason, r.r0) == ("until", 0x14131211)
    assert m.octospi1.window.kind == "direct"
    r = call(m, elf, "t_map_dtr", 5)   # one dummy cycle short: the first 2 bytes read as 0
    assert (r.reason, r.r0) == ("until", 0x12110000)
    assert any("5 dummy cycles, device expects 6" in t for t in m.nor.trace)


def test_write_to_mapped_nor_window_faults(elf):
    m = board(elf, "zero")
    r = call(m, elf, "t_write_mapped_nor")
    assert r.reason == "fault"
    text = str(r.fault_report)
    # A buffered store: imprecise bus error, no BFAR, as on silicon (PM0253, BFSR.IMPRECISERR).
    assert "IMPRECISERR" in text and "OCTOSPI1 window is mapped read-only" in text


def test_hyperram_memory_mapped_read_write(elf):
    m = board(elf)
    r = call(m, elf, "t_hyperram")
    assert (r.reason, r.r0) == ("until", 0), r.summary()
    assert m.ext_ram.mem[0x80000:0x80004] == (0xA5A5A5A5).to_bytes(4, "little")


def test_abort(elf):
    m = board(elf, "zero")
    r = call(m, elf, "t_abort")
    assert (r.reason, r.r0) == ("until", 0), r.summary()


def test_ospim_rewrite_while_mapped_faults_naming_ospim(elf):
    m = board(elf, "zero")
    r = call(m, elf, "t_ospim_fault")
    assert r.reason == "fault"
    text = str(r.fault_report)
    assert "BFAR=0x90002000" in text
    assert "OCTOSPIM P2CR written while OCTOSPI1 is memory-mapped" in text


def test_hyperram_timeout_sets_tof_for_a_polling_firmware(elf):
    m = board(elf)
    r = call(m, elf, "t_hyper_timeout", 1000)
    assert (r.reason, r.r0) == ("until", 0), r.summary()


def test_hyperram_sequential_read_across_dies_needs_csbound(elf):
    m = board(elf)
    r = call(m, elf, "t_hyper_dies", 0x00170000)      # CSBOUND=23 (docs/hardware-notes.md)
    assert (r.reason, r.r0) == ("until", 0xD1D1D1D1), r.summary()
    m = board(elf)
    r = call(m, elf, "t_hyper_dies", 0)               # one burst runs on in die 0
    assert (r.reason, r.r0) == ("until", 0), r.summary()
    assert any("past the die boundary" in n for n in m.ext_ram.trace)
