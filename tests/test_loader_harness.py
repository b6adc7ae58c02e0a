"""The external-loader harness and `stm32boot loader-check`: a correct test loader passes, each
deliberately broken one (tests/firmware/badloaders) fails with a message naming its failure."""
import pytest

from loader_check import check, lines
from ospi_build import build_group
from stm32boot.cli import main
from stm32boot.sim.loader_harness import CANARY, POISON, STUB_WORD, Loader, LoaderError, LoaderHarness


@pytest.fixture(scope="module")
def loaders():
    return build_group("tests/firmware/badloaders/images.py")


def test_correct_loader_passes_every_check(loaders, capsys):
    rc, out = check(loaders["loader_good"], capsys)
    assert rc == 0, out
    assert lines(out, "FAIL") == []
    assert {"init-poisoned-bss", "init-twice", "sector-erase", "write-unaligned",
            "write-sector-crossing", "write-large-chunk", "mass-erase"} <= set(lines(out, "PASS"))
    assert "0x3c731-byte chunk at an unaligned address" in out  # docs/external-loader-abi.md §5.10: >= 0x3C700 bytes
    assert set(lines(out, "N/A")) == {"verify", "checksum"}  # this loader has neither


def test_wrong_dummy_cycles_loader_fails_naming_first_bytes(loaders, capsys):
    rc, out = check(loaders["loader_bad_dummy"], capsys)
    assert rc == 1
    assert "FAIL  init-poisoned-bss" in out
    assert "the FIRST bytes are wrong): got 00 00 01 02" in out
    assert "with 5 dummy cycles, device expects 6" in out


def test_ospim_while_mapped_loader_fails_naming_ospim(loaders, capsys):
    rc, out = check(loaders["loader_bad_ospim"], capsys)
    assert rc == 1
    assert "PASS  init-poisoned-bss" in out   # the first Init is fine ...
    fail = next(ln for ln in out.splitlines() if ln.startswith("FAIL  init-twice"))
    assert "OCTOSPIM P1CR written while OCTOSPI1" in fail  # ... the second one kills the window


def test_bss_dependent_loader_fails_naming_bss(loaders, capsys):
    rc, out = check(loaders["loader_bad_bss"], capsys)
    assert rc == 1
    assert "FAIL  init-poisoned-bss" in out
    assert "depends on .bss being zero" in out


def test_stack_hungry_loader_reports_overflow_and_decoded_fault(loaders, capsys):
    rc, out = check(loaders["loader_bad_stack"], capsys)
    assert rc == 1
    assert "stack overflow: the canary" in out
    assert "HardFault: FORCED" in out and "CFSR=" in out


def test_call_mechanics_match_the_programmer(loaders):
    ld = Loader.open(loaders["loader_bad_bss"])
    si = ld.storage()
    assert (si.name, si.start, si.size, si.sectors) == ("test_bad_bss", 0x9000_0000, 64 << 20, [(16384, 4096)])
    h = LoaderHarness(ld, nor_profile="zero")
    lo, hi = ld.image_range()
    assert (lo, h.base) == (0x2400_0004, 0x2400_0000)
    assert h.m.read(0x2400_0000, 4) == STUB_WORD
    assert h.sp == (hi + 0x400 + 7) & ~7
    flag = ld.symbols["initialised"][0]
    assert h.m.read(flag, 4) == POISON * 4          # .bss poisoned, not zeroed
    assert h.m.read(hi, len(CANARY)) == CANARY
    r = h.call("Init")
    assert r.ok and r.r0 == 1                       # returns onto the stub, SP balanced


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["loader-check", str(tmp_path / "missing.stldr")]) == 2
    assert "no such file" in capsys.readouterr().err
    junk = tmp_path / "junk.stldr"
    junk.write_bytes(b"not an elf at all")
    assert main(["loader-check", str(junk)]) == 2
    assert "not an ELF file" in capsys.readouterr().err
    with pytest.raises(LoaderError, match="cannot open"):
        Loader.open(str(tmp_path / "nope"))


def test_stray_store_outside_image_stack_buffer_fails_naming_address(loaders, capsys):
    rc, out = check(loaders["loader_bad_stray"], capsys, "--only", "write-unaligned")
    assert rc == 1
    assert "PASS  init-poisoned-bss" in out
    fail = next(ln for ln in out.splitlines() if ln.startswith("FAIL  write-unaligned"))
    assert "stored outside its image/.bss, stack and data buffer" in fail
    assert "of DTCM changed, first at 0x20000100" in fail

