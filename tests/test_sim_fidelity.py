"""Simulator fidelity (issue 16): code we did not write (vendor-style sequences, tests/firmware/fidelity)
must behave on the simulated H735 as on silicon, failure modes included."""
import pytest
from elftools.elf.elffile import ELFFile
from unicorn.arm_const import UC_ARM_REG_R1

from ospi_build import build_group
from stm32boot.sim import h735

STUB, SP = 0x2400_0000, 0x2404_0000
OPERR = 1 << 22


@pytest.fixture(scope="module")
def fid():
    path = build_group("tests/firmware/fidelity/images.py")["fid_fw"]
    with open(path, "rb") as f:
        syms = {s.name: s["st_value"] for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols()}
    return path, syms


def board(fid, **kw):
    m = h735.build(strict=True, **kw)
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
