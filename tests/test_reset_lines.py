"""`--before` for our bootloader (issue 17): reset the board into the bootloader by NRST when its
application does not answer HELLO: the adapter's DTR/RTS where the board wires one, the simulated
board's reset input on its pty (sim/nrst.py), or one line saying the port has none and what to wire."""
import dataclasses
import os
import subprocess
import sys

import pytest

from stm32boot import boards, reset

import pty_board

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEAF = os.path.join(ROOT, "build", "testfw", "noreq", "demo_noreq.elf")
H735 = boards.get("h735")


def cli(*args, timeout=300):
    r = subprocess.run([sys.executable, "-m", "stm32boot", *args], capture_output=True, text=True,
                       cwd=ROOT, env=pty_board.env(), timeout=timeout)
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope="module")
def deaf_board(tmp_path_factory):
    """A simulated H735 on a pty running a demo that ignores HELLO (no blreq.c)."""
    assert os.path.exists(DEAF), "build the test firmwares first: doit testfw"
    work = tmp_path_factory.mktemp("deaf")
    rc, out, err = cli("flash", DEAF, "--state", str(work / "state"))
    assert rc == 0 and "stm32boot demo" in out, err
    b = pty_board.PtyBoard(str(work))
    yield b
    b.close()


def test_a_board_whose_application_ignores_hello_asks_for_the_reset_button(deaf_board):
    rc, out, err = cli("info", "--port", deaf_board.link, "--wait", "1.5")
    assert rc == 2 and "press RESET on the board" in err and "no response" in err, err
    assert "or pass --before reset: this simulated board has a reset input" in err
    assert "Traceback" not in err


def test_before_reset_resets_the_simulated_board_on_its_pty_and_flashes(deaf_board):
    rc, out, err = cli("flash", DEAF, "--port", deaf_board.link, "--before", "reset")
    assert rc == 0, err
    assert "before: the simulated board reset (NRST)" in err and "press RESET" not in err
    assert "nothing to write" in out and "stm32boot demo" in out   # the application runs again after
    assert "NRST pulsed by the host" in deaf_board.output()
    rc, out, err = cli("info", "--port", os.path.realpath(deaf_board.link), "--before", "reset")
    assert rc == 0 and "board:      h735" in out, err            # the /dev/pts/N path finds it too


def test_boards_flashed_in_parallel_are_each_reset_by_before_reset(deaf_board, tmp_path):
    """`flash --port A --port B --before reset`: every board of the gang gets its own NRST pulse."""
    import shutil
    deaf_board.close()                    # its state is copied while no simulator holds it
    shutil.copytree(deaf_board.state, tmp_path / "state")
    boards_ = [pty_board.PtyBoard(os.path.dirname(deaf_board.link), deaf_board.state),
               pty_board.PtyBoard(str(tmp_path), str(tmp_path / "state"))]
    try:
        rc, out, err = cli("flash", DEAF, "--port", boards_[0].link, "--port", boards_[1].link, "--before", "reset")
        assert rc == 0, out + err
        for b in boards_:
            assert "NRST pulsed by the host" in b.output()
            assert b.link in out
    finally:
        for b in boards_:
            b.close()


def test_before_reset_on_a_port_without_reset_wiring_says_what_to_wire(tmp_path):
    """A serial port that is no simulated board (here a bare pty) on a board whose ST-LINK VCP has no
    DTR/RTS to NRST: one line naming the port, the button and the adapter wiring."""
    master, slave = os.openpty()
    try:
        rc, out, err = cli("info", "--port", os.ttyname(slave), "--before", "reset")
    finally:
        os.close(master)
        os.close(slave)
    assert rc == 2 and "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert "STLINK-V3E virtual COM port of the STM32H735G-DK has no DTR/RTS wired to NRST" in line
    assert "press RESET" in line and "--before dtr-reset" in line and "RESET on the Arduino" in line


def test_a_reset_input_left_by_a_killed_simulator_is_not_taken_for_a_board():
    """A stale socket on the pty's name (its simulator was killed): the pty is what it is now."""
    import socket
    master, slave = os.openpty()
    path = reset.reset_input_path(os.ttyname(slave))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()                                   # bound, never listening: as a SIGKILL leaves it
    try:
        rc, out, err = cli("info", "--port", os.ttyname(slave), "--before", "reset")
    finally:
        os.close(master)
        os.close(slave)
    assert rc == 2 and "has no DTR/RTS wired to NRST" in err and not os.path.exists(path)


def test_a_bad_before_is_refused_before_the_board_is_opened():
    rc, out, err = cli("info", "--port", "/nonexistent/tty", "--before", "hard_reset")
    assert rc == 2 and "cannot read step 'hard_reset'" in err and "reset, no-reset" in err
    assert "cannot open" not in err


class Adapter:
    """A serial adapter's lines, as the board sees them: every change with the time it happened."""
    name = "/dev/ttyUSB0"

    def __init__(self):
        self.t, self.log = 0.0, []

    def set_dtr(self, on):
        self.log.append((round(self.t, 3), "dtr", on))

    def set_rts(self, on):
        self.log.append((round(self.t, 3), "rts", on))

    def send_break(self, s):
        self.log.append((round(self.t, 3), "break", s))

    def advance(self, s):
        self.t += s


@pytest.mark.parametrize("before, line", [("dtr-reset", "dtr"), ("rts-reset", "rts")])
def test_an_adapter_line_wired_to_nrst_is_pulsed_100_ms(before, line):
    a = Adapter()
    assert reset.before_connect(a, H735, before) == f"NRST pulsed by {line.upper()}"
    assert a.log == [(0.0, line, True), (0.1, line, False)]


def test_reset_follows_the_boards_wiring_and_custom_steps_run_as_written():
    wired = dataclasses.replace(H735, reset_lines=dataclasses.replace(H735.reset_lines, nrst="rts"))
    a = Adapter()
    reset.before_connect(a, wired, "reset")
    assert a.log == [(0.0, "rts", True), (0.1, "rts", False)]
    a = Adapter()
    reset.before_connect(a, H735, "dtr,rts,wait:50,-rts,break")
    assert a.log == [(0.0, "dtr", True), (0.0, "rts", True), (0.05, "rts", False), (0.05, "break", 0.25)]
    for quiet in ("default", "no-reset", None):
        a = Adapter()
        assert reset.before_connect(a, H735, quiet) == "" and a.log == []
    a = Adapter()                 # opening the port asserted RTS: on a wired board it must let NRST go
    reset.before_connect(a, wired, "default")
    assert a.log == [(0.0, "rts", False)]
    a = Adapter()
    reset.before_connect(a, wired, "no-reset")
    assert a.log == []


def test_every_board_says_whether_its_serial_port_can_reset_it():
    for name in boards.names():
        rl = boards.get(name).reset_lines
        assert rl.nrst in (None, "dtr", "rts") and rl.boot0 in (None, "dtr", "rts") and rl.port


def test_the_rom_path_reads_the_same_line_steps():
    """--via rom: its named sequences through the shared parser; our bootloader's words for "touch nothing"
    mean its `none`; a bad step is one line naming the ROM presets."""
    from stm32boot.rom import before as rom_before
    assert rom_before.parse("rts-boot0") == [("rts", True), ("dtr", True), ("wait", 0.1), ("dtr", False),
                                             ("wait", 0.1)]
    assert rom_before.parse("no-reset") == rom_before.parse("default") == rom_before.parse(None) == []
    with pytest.raises(rom_before.BeforeError, match="cannot read step 'reset'.*rts-boot0"):
        rom_before.parse("reset")


def test_doit_flash_passes_before_to_the_tool():
    """`doit flash before=...` reaches `stm32boot flash --before`: a bad value is the tool's one line."""
    r = subprocess.run([sys.executable, "-m", "doit", "flash", "board=h735", "before=hard_reset"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600, env=pty_board.env())
    assert r.returncode != 0 and "Traceback" not in r.stdout + r.stderr
    assert "--before: cannot read step 'hard_reset'" in r.stdout + r.stderr
