"""loader-check on vendor-style loaders (tests/firmware/fidelity/vendor_loader.c, issue 16): code written
the way HAL/BSP loaders are must pass where it works on silicon and fail, with the reason and the
simulator's notes, where it fails on silicon."""
import pytest

from loader_check import check, lines
from ospi_build import build_group
from stm32boot.cli import main


@pytest.fixture(scope="module")
def loaders():
    return build_group("tests/firmware/fidelity/images.py")


def test_rcc_reset_of_octospi_and_io_manager_on_every_init_passes(loaders, capsys):
    # BSP DeInit style: AHB3RSTR pulse on OCTOSPI1/2 + IOMNGR, then wait BUSY=0 with no bound.
    rc, out = check(loaders["vendor_rcc_reset"], capsys, "--fast-nor")
    assert rc == 0, out
    assert "PASS  init-twice" in out


def test_64k_sector_loader_passes_every_check_in_any_order(loaders, capsys):
    rc, out = check(loaders["vendor_autopoll"], capsys, "--fast-nor")
    assert rc == 0, out
    assert "1024 x 0x10000" in out


def test_iar_style_bss_outside_the_segments_is_not_a_stack_overflow(loaders, capsys):
    rc, out = check(loaders["vendor_iar_bss"], capsys, "--fast-nor", "--only", "init-twice")
    assert rc == 0, out
    assert "stack overflow" not in out


def test_vos_change_without_supply_hangs_and_the_report_says_why(loaders, capsys):
    rc, out = check(loaders["vendor_vos0"], capsys, "--fast-nor", "--only", "init-poisoned-bss")
    assert rc == 1
    fail = out[out.index("FAIL  init-poisoned-bss"):]
    assert "still polling PWR.D3CR" in fail
    assert "loader: Init stopped at PC=0x240" in fail
    assert "sim: PWR: D3CR.VOS changed while the supply is not configured" in fail
    assert "cause: loader bug" in fail
    assert "FAILED: 1 check(s) failed; loader bug: init-poisoned-bss" in out


def test_vos_change_after_an_application_configured_the_supply_passes(loaders, capsys):
    # The application's CR3 survives the programmer's connect (a system reset), as on silicon.
    rc, out = check(loaders["vendor_vos0"], capsys, "--fast-nor", "--only", "init-twice", "--supply", "smps")
    assert rc == 0, out


def test_unmodelled_register_failure_is_classed_as_unsupported(loaders, capsys, monkeypatch):
    # A failing check during which the simulator met a register no model declares: the cause named is
    # the simulator's gap, and the note with the register and PC is printed with the check.
    from stm32boot.sim import loader_checks

    def init_touching_unmodelled(ctx):
        h = ctx.harness()
        h.m.bus.report(None, "write", 0x5200_4000, 4, 0x1)   # as the machine does for an unknown address
        raise loader_checks.Fail("Init returned 0")
    monkeypatch.setattr(loader_checks, "CHECKS", [(n, init_touching_unmodelled if n == "init-poisoned-bss" else f)
                                                  for n, f in loader_checks.CHECKS])
    rc, out = check(loaders["vendor_autopoll"], capsys, "--only", "init-poisoned-bss")
    assert rc == 1
    assert "unmodelled 32-bit write of 0x52004000" in out
    assert "cause: unsupported by the simulator" in out


@pytest.mark.parametrize("style", ["autopoll", "rdsr", "rdsr_tick"])
def test_vendor_style_erase_waits_jump_to_the_device_event(loaders, style):
    # A 64 KB block erase (220 ms typical) waited by status commands in a loop: the wait ends when the
    # NOR finishes, and the simulator does not execute the ~220 ms of polling instruction by instruction.
    from stm32boot.sim.loader_harness import Loader, LoaderHarness
    h = LoaderHarness(Loader.open(loaders[f"vendor_{style}"]))
    assert h.call("Init").ok
    h.m.nor.mem[0:0x10000] = b"\0" * 0x10000
    i0 = h.m.vc.insns
    r = h.call("SectorErase", 0x9000_0000, 0x9000_FFFF)
    assert r.ok and r.r0 == 1, r.describe()
    assert h.m.nor.mem[0:0x10000] == b"\xff" * 0x10000
    assert 0.220 <= r.virtual_s < 0.222
    assert h.m.vc.insns - i0 < 200_000, "the wait ran instruction by instruction"


def test_loader_with_a_pin_on_the_wrong_alternate_function_fails_naming_the_pin(loaders, capsys):
    # PF10 (the NOR's CLK) on AF10 instead of AF9: on the board the NOR never sees a clock.
    rc, out = check(loaders["vendor_wrong_pin"], capsys, "--fast-nor", "--only", "init-poisoned-bss")
    assert rc == 1
    assert "Init() returned 0" in out
    assert "OCTOSPI1 pins not routed to it (CLK PF10 is AF10, needs AF9)" in out


BOOTLOADER = "build/firmware/h735/bootloader.elf"


@pytest.fixture(scope="module")
def bootloader():
    import os
    import subprocess
    import sys
    from ospi_build import ROOT
    path = os.path.join(ROOT, BOOTLOADER)
    r = subprocess.run([sys.executable, "-m", "doit", "firmware"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0 and os.path.exists(path), r.stdout + r.stderr
    return path


def test_hot_plug_after_our_bootloader_mapped_the_nor(loaders, bootloader, capsys):
    # Our bootloader runs first (SMPS supply, 520 MHz, NOR memory-mapped in DOPI). Connected under reset,
    # a HAL_OSPI_Init-style loader's first Init works; hot-plugged (the NOR still mapped) it waits for
    # BUSY=0 forever, as on silicon (so does its second Init in any mode: a loader bug), unless it
    # force-resets the controller through RCC first.
    rc, out = check(loaders["vendor_hal_init"], capsys, "--fast-nor", "--only", "init-poisoned-bss",
                    "--app", bootloader)
    assert rc == 0, out
    rc, out = check(loaders["vendor_hal_init"], capsys, "--fast-nor", "--only", "init-poisoned-bss",
                    "--app", bootloader, "--connect", "hot-plug")
    assert rc == 1
    assert "still polling OCTOSPI1.SR" in out
    rc, out = check(loaders["vendor_rcc_reset"], capsys, "--fast-nor", "--app", bootloader, "--connect", "hot-plug")
    assert rc == 0, out
    # The supply the bootloader configured survives the programmer's system reset: VOS0 without CR3 works.
    rc, out = check(loaders["vendor_vos0"], capsys, "--fast-nor", "--only", "init-twice", "--app", bootloader)
    assert rc == 0, out


def test_bad_application_is_one_clear_line(loaders, tmp_path, capsys):
    junk = tmp_path / "app.elf"
    junk.write_bytes(b"junk")
    assert main(["loader-check", loaders["vendor_autopoll"], "--app", str(junk)]) == 2
    err = capsys.readouterr().err
    assert "app.elf" in err and "Traceback" not in err
