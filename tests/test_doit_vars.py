"""doit refuses a variable no task reads: a typo must not quietly flash the simulated board."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOIT = [sys.executable, "-m", "doit"]


def _doit(*argv):
    return subprocess.run(DOIT + list(argv), cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_misspelt_port_is_refused_with_a_suggestion():
    r = _doit("flash", "board=h735", "prot=/dev/ttyACM0")
    assert r.returncode != 0
    assert "unknown variable prot= (did you mean port=?)" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert "flash:" not in r.stdout          # nothing was flashed


def test_unknown_variable_without_a_close_name_lists_the_known_ones():
    r = _doit("list", "buad=921600", "colour=red")
    assert r.returncode != 0
    line = r.stderr.strip().splitlines()[-1]
    assert "buad=" in line and "colour=" in line and "board=" in line and "port=" in line


def test_known_variables_are_accepted():
    r = _doit("list", "board=h735", "port=", "release=0")
    assert r.returncode == 0, r.stderr
    assert "flash" in r.stdout


def test_an_unknown_board_is_one_line_naming_the_boards():
    r = _doit("flash", "board=h753")
    assert r.returncode != 0 and "Traceback" not in r.stderr + r.stdout
    assert "unknown board=h753; known: f746, h735" in r.stderr
    assert "required: IMAGE" not in r.stderr + r.stdout     # not the tool's usage error


def test_baud_reaches_the_tool_and_a_misspelt_baud_is_caught():
    """`doit flash baud=N` runs `stm32boot flash --baud N` (here on a port that does not exist, so no
    board is touched: the failing command line shows what reached the tool)."""
    r = _doit("flash", "board=h735", "baud=1200", "port=/nonexistent/tty0")
    text = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in text
    assert "cannot open /nonexistent/tty0" in text and "--baud 1200" in text
    r = _doit("flash", "buad=921600")
    assert "unknown variable buad= (did you mean baud=?)" in r.stderr


def test_ports_flash_the_boards_in_parallel_and_fail_when_one_fails():
    """`doit flash ports=A,B` is one gang run: a table row per port and a non-zero exit (here neither
    port exists, so no board is touched)."""
    r = _doit("flash", "board=h735", "ports=/nonexistent/a,/nonexistent/b")
    text = r.stdout + r.stderr
    assert r.returncode != 0 and "Traceback" not in text
    assert "0 of 2 board(s) flashed and verified, 2 FAILED" in text
    rows = [ln.split()[:2] for ln in r.stdout.splitlines() if ln.startswith("h735 ")]
    assert rows == [["h735", "/nonexistent/a"], ["h735", "/nonexistent/b"]], r.stdout
