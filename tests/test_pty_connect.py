"""Connecting to a simulated board in its own process on a pty, as a user reaches a real one (issue 17),
for both boards: the board runs its demo application; the tool reaches the bootloader without a button
(the demo links firmware/app/blreq.c) or through the simulator's NRST input with --before reset, names
the board and port first and last, honours --baud or refuses it with the board's rates, and --after
chooses what the board does next."""
import os
import subprocess
import sys

import pytest

import pty_board

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TITLE = {"h735": "STM32H735G-DK", "f746": "STM32F746G-DISCO"}


def demo(board):
    return os.path.join(ROOT, "build", "firmware", board, "demo.elf")


def cli(board, *args, timeout=300):
    r = subprocess.run([sys.executable, "-m", "stm32boot", *args, "--board", board], capture_output=True,
                       text=True, cwd=ROOT, env=pty_board.env(), timeout=timeout)
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope="module", params=["h735", "f746"])
def on_pty(request, tmp_path_factory):
    """(board name, PtyBoard) whose board has the demo flashed and running."""
    name = request.param
    assert os.path.exists(demo(name)), "build the firmware first: doit firmware"
    work = tmp_path_factory.mktemp(f"{name}pty")
    rc, out, err = cli(name, "flash", demo(name), "--state", str(work / "state"))
    assert rc == 0 and "stm32boot demo" in out, err
    b = pty_board.PtyBoard(str(work), board=name)
    yield name, b
    b.close()


def demo_running(name, b):
    """Whatever the previous test left, the board runs its demo again (and has printed its banner)."""
    rc, out, err = cli(name, "reset", "--port", b.link, "--before", "reset", "--listen", "0.5")
    assert rc == 0 and "stm32boot demo" in out, out + err


def test_before_reset_flashes_the_running_demo_and_names_the_target(on_pty):
    name, b = on_pty
    demo_running(name, b)
    rc, out, err = cli(name, "flash", demo(name), "--port", b.link, "--before", "reset", "--baud", "921600")
    assert rc == 0, err
    assert "before: the simulated board reset (NRST)" in err and "press RESET" not in err
    assert f"target: {name} ({TITLE[name]}), bootloader" in err and f"via {b.link}" in err
    assert "nothing to write" in out and f"stm32boot demo 1.0 on {TITLE[name]}" in out   # it runs again
    assert out.strip().splitlines()[-1].endswith(f"target {name} via {b.link}")
    assert "NRST pulsed by the host" in b.output()


def test_a_rate_the_board_cannot_make_is_refused_over_the_pty(on_pty):
    """H735: 1200 baud needs USARTDIV 166,667 from its 200 MHz kernel clock, above BRR's 16 bits (RM0468
    USART_BRR); F746: 2 Mbaud is above the rate its board allows (board.h BOARD_MAX_BAUD)."""
    name, b = on_pty
    rate, rates = {"h735": (1200, "8,000,000, 2,000,000, 921,600, 115,200"),
                   "f746": (2_000_000, "921,600, 115,200")}[name]
    rc, out, err = cli(name, "info", "--port", b.link, "--before", "reset", "--baud", str(rate))
    assert rc == 2 and f"cannot run at exactly {rate} baud" in err and f"support {rates}" in err, err
    assert "Traceback" not in err and "link:" not in out


def test_after_bootloader_leaves_the_board_in_the_bootloader(on_pty):
    name, b = on_pty
    demo_running(name, b)
    rc, out, err = cli(name, "flash", demo(name), "--port", b.link, "--before", "reset", "--after", "bootloader")
    assert rc == 0 and "reset into its bootloader" in out and "application says" not in out, out + err
    rc, out, err = cli(name, "info", "--port", b.link, "--wait", "1.5")      # no reset, no request needed
    assert rc == 0 and "press RESET" not in err and f"board:      {name}" in out, err
    rc, out, err = cli(name, "flash", demo(name), "--port", b.link, "--after", "run")
    assert rc == 0 and "stm32boot demo" in out, out + err


def test_the_running_demo_is_flashed_without_a_button(on_pty):
    name, b = on_pty
    demo_running(name, b)
    rc, out, err = cli(name, "flash", demo(name), "--port", b.link, "--wait", "1.5")
    assert rc == 0 and "nothing to write" in out and "press RESET" not in err, err
    assert f"stm32boot demo 1.0 on {TITLE[name]}" in out
