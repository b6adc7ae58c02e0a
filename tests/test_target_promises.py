"""What issue 17 promises a user at the shell, on both simulated boards (H735, F746) with their state
on disk: every command names its target first and last, `reset` does not claim an application started
on a board that has none, `--baud` on the F746 is honoured or refused with its rates, an image linked
for the other board is refused before the board is opened, `update-bootloader` takes a raw .bin and
refuses the other board's, and nothing ends in a traceback."""
import os
import subprocess
import sys

import pytest

from stm32boot import cli
from stm32boot.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FW = os.path.join(ROOT, "build", "firmware")
BOARDS = ("h735", "f746")


def run(capsys, *argv):
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture(scope="module")
def flashed(tmp_path_factory):
    """Per board, a state directory whose board runs the demo (flashed once per module)."""
    states = {}
    for b in BOARDS:
        demo = os.path.join(FW, b, "demo.elf")
        assert os.path.exists(demo), "build the firmware first: doit firmware"
        state = str(tmp_path_factory.mktemp(b))
        r = subprocess.run([sys.executable, "-m", "stm32boot", "flash", demo, "--board", b, "--state", state],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert r.returncode == 0, r.stderr
        states[b] = state
    return states


@pytest.mark.parametrize("b", BOARDS)
def test_every_command_names_its_target_first_and_last(b, flashed, capsys, tmp_path):
    state = flashed[b]
    demo = os.path.join(FW, b, "demo.elf")
    spare = "0x93000000:0x1000" if b == "h735" else "0x90F00000:0x1000"   # NOR the demo leaves alone
    cmds = [["info"], ["verify", demo], ["flash", demo, "--after", "none"], ["erase", spare],
            ["read", spare.split(":")[0], "256", "-o", str(tmp_path / "r.bin")], ["reset", "--listen", "0.2"],
            ["update-bootloader", os.path.join(FW, b, "bootloader.elf")]]
    where = f"via the simulated"
    for argv in cmds:
        rc, out, err = run(capsys, *argv, "--board", b, "--state", state)
        assert rc == 0, (argv, err)
        first = err.splitlines()[0]
        assert first.startswith(f"target: {b} (") and where in first and f"(state {state})" in first, (argv, err)
        if argv[0] == "info":
            assert f"board:      {b} (" in out
            continue
        last = [ln for ln in out.splitlines() if ln.startswith(f"{argv[0]}: ")][-1]
        named = f"simulated {b} (state {state})" if argv[0] == "update-bootloader" else f"target {b} {where}"
        assert named in last and f"(state {state})" in last, (argv, out)
        assert "Traceback" not in err


def test_reset_of_a_board_without_an_application_says_the_bootloader_stays(capsys, tmp_path):
    """A board whose bootloader holds no committed application (a fresh simulated board) stays in the
    bootloader at reset: the command says so, not "application started"."""
    state = str(tmp_path / "fresh")
    rc, out, err = run(capsys, "reset", "--board", "f746", "--state", state)
    assert rc == 0, err
    assert "application started" not in out and "holds no complete application" in out
    assert "bootloader stays" in out and "flash one" in out


def test_baud_on_the_f746_is_honoured_exactly_or_refused_with_its_rates(flashed, capsys):
    state = flashed["f746"]
    for rate in (460800, 921600):
        rc, out, err = run(capsys, "info", "--board", "f746", "--state", state, "--baud", str(rate))
        assert rc == 0 and f"link:       {rate} baud" in out, err
    # 2 Mbaud: above what the F746G-DISCO's ST-LINK/V2-1 bridge is given (board.h BOARD_MAX_BAUD);
    # 1200: USART1 at PCLK2 108 MHz needs BRR = 90000, above its 16 bits (RM0385 §31.8.4).
    for rate in (2_000_000, 1200):
        rc, out, err = run(capsys, "info", "--board", "f746", "--state", state, "--baud", str(rate))
        assert rc == 2 and f"cannot run at exactly {rate} baud" in err, err
        assert "support 921,600, 115,200" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and "link:" not in out


@pytest.mark.parametrize("image", ["demo.elf", "demo.hex"])
def test_the_h735_demo_is_refused_by_the_f746_before_the_board_is_opened(image, capsys, tmp_path):
    """It fits in the F746's flash (0x08020000) but the F746 bootloader starts 0x08008000: flashing it
    would leave the old application running with the new NOR data."""
    src = os.path.join(FW, "h735", "demo.elf")
    if image.endswith(".hex"):
        subprocess.run(["arm-none-eabi-objcopy", "-O", "ihex", src, str(tmp_path / image)], check=True)
        src = str(tmp_path / image)
    state = tmp_path / "untouched"
    rc, out, err = run(capsys, "flash", src, "--board", "f746", "--state", str(state))
    assert rc == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "entry point 0x0802" in err and "nothing at 0x08008000" in err and "another board" in err
    assert "target:" not in err and not state.exists()        # the board was never opened
    rc, out, err = run(capsys, "flash", os.path.join(FW, "f746", "demo.elf"), "--board", "h735",
                       "--state", str(state))
    assert rc == 2 and "overwrite the bootloader" in err and not state.exists()


def test_update_bootloader_takes_a_raw_bin_and_refuses_the_other_boards(flashed, capsys):
    state = flashed["h735"]
    rc, out, err = run(capsys, "update-bootloader", os.path.join(FW, "h735", "bootloader.bin"), "--state", state)
    assert rc == 0 and "already runs this bootloader" in out and "nothing rewritten" in out, err
    rc, out, err = run(capsys, "update-bootloader", os.path.join(FW, "f746", "bootloader.bin"), "--state", state)
    assert rc == 2 and "a bootloader for the f746 board, not for h735" in err and "target:" not in err


def test_update_bootloader_on_a_state_another_simulator_holds_is_one_line(flashed, capsys):
    from stm32boot.sim.state import SimState
    held = SimState.open("f746", flashed["f746"])      # as `stm32boot sim f746 --uart pty` holds it
    try:
        rc, out, err = run(capsys, "update-bootloader", os.path.join(FW, "f746", "bootloader.elf"),
                           "--board", "f746", "--state", flashed["f746"])
    finally:
        held.close()
    assert rc == 2 and "in use by another simulator" in err and "--port" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_unexpected_error_is_one_line_not_a_traceback(monkeypatch, capsys):
    import stm32boot.commands.info as info

    def broken(args):
        raise RuntimeError("something nobody foresaw\nsecond line")
    monkeypatch.setattr(info, "run", broken)
    monkeypatch.delenv("STM32BOOT_DEBUG", raising=False)
    rc, out, err = run(capsys, "info", "--state", "/nonexistent")
    assert rc == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "RuntimeError: something nobody foresaw" in err and "STM32BOOT_DEBUG=1" in err
    monkeypatch.setenv("STM32BOOT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["info"])


def test_doit_flash_loader_rewrites_nothing_when_the_board_has_the_built_bootloader(tmp_path):
    """`doit flash-loader board=f746` twice on a fresh simulated board: the first installs the built
    bootloader, the second finds it there (CRC over the sector) and writes nothing: the internal flash of
    the state directory is the same file with the same contents."""
    import json
    env = dict(os.environ, STM32BOOT_SIM_STATE=str(tmp_path / "{board}"))

    def doit():
        r = subprocess.run([sys.executable, "-m", "doit", "flash-loader", "board=f746"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
        with open(tmp_path / "f746" / "manifest.json") as f:
            return r.stdout, json.load(f)["blobs"]["flash"]
    out, first = doit()
    assert "update-bootloader:" in out
    out, second = doit()
    assert "already runs this bootloader" in out and "nothing rewritten" in out, out
    assert second == first
