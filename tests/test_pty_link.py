"""The host tool and a simulated board in separate processes, joined by pseudo-terminals as a real
board's USB serial port would be (`stm32boot sim h735 --uart pty` + `--port`), with latency and noise
added between them (pty_board.LinkProxy). Issue 15: real port speed, noise, clean interrupts, one-line
errors."""
import random
import signal
import time

import pytest

from pty_board import LinkProxy, PtyBoard, flash_in_progress, stm32boot

NOR = 0x9000_0000


@pytest.fixture
def board(tmp_path):
    b = PtyBoard(str(tmp_path))
    yield b
    b.close()


def image(tmp_path, n, seed=1, name="img.bin"):
    p = tmp_path / name
    p.write_bytes(random.Random(seed).randbytes(n))
    return str(p)


def one_line_error(r):
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("writing:")
             and not ln.startswith("comparing")]
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("stm32boot: error: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


def test_flashes_through_the_pty_and_verifies_a_second_command_is_one_line(board, tmp_path):
    img = image(tmp_path, 64 * 1024)
    r = stm32boot("flash", "--port", board.link, "--no-reset", f"{img}@0x{NOR:08X}")
    assert r.returncode == 0 and "verified by CRC" in r.stdout, r.stderr
    r = stm32boot("verify", "--port", board.link, f"{img}@0x{NOR:08X}")
    assert r.returncode == 0 and "match the board" in r.stdout, r.stderr
    # the simulator holds the state directory: a command on the simulated board itself is one line
    r = stm32boot("info", "--state", board.state)
    line = one_line_error(r)
    assert "in use by another simulator" in line and "--port" in line


def test_one_megabyte_with_200_ms_added_latency_each_way(board, tmp_path):
    img = image(tmp_path, 1024 * 1024, seed=2)
    proxy = LinkProxy(board.link, latency=0.2)
    try:
        r = stm32boot("flash", "--port", proxy.path, "--no-reset", f"{img}@0x{NOR:08X}", timeout=900)
    finally:
        proxy.close()
    assert r.returncode == 0 and "verified by CRC" in r.stdout, r.stderr + r.stdout
    r = stm32boot("verify", "--port", board.link, f"{img}@0x{NOR:08X}")
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_noise_1e_3_per_byte_every_run_verifies(board, tmp_path, seed):
    img = image(tmp_path, 32 * 1024, seed=10 + seed)    # not what an earlier test left in the NOR
    proxy = LinkProxy(board.link, drop=1e-3, dup=1e-3, corrupt=1e-3, seed=seed)
    try:
        r = stm32boot("flash", "--port", proxy.path, "--no-reset", f"{img}@0x{NOR:08X}", timeout=900)
    finally:
        proxy.close()
    assert r.returncode == 0 and "verified by CRC" in r.stdout, r.stderr + r.stdout
    assert proxy.damaged > 20, r.stderr + r.stdout        # the noise really happened
    r = stm32boot("verify", "--port", board.link, f"{img}@0x{NOR:08X}")
    assert r.returncode == 0, r.stderr


def test_noise_1e_2_per_byte_verifies_or_names_the_noise(board, tmp_path):
    img = image(tmp_path, 32 * 1024, seed=4)
    proxy = LinkProxy(board.link, drop=1e-2, dup=1e-2, corrupt=1e-2, seed=4)
    try:
        r = stm32boot("flash", "--port", proxy.path, "--no-reset", f"{img}@0x{NOR:08X}", timeout=900)
    finally:
        proxy.close()
    if r.returncode == 0:
        assert "verified by CRC" in r.stdout
        assert stm32boot("verify", "--port", board.link, f"{img}@0x{NOR:08X}").returncode == 0
    else:
        line = one_line_error(r)
        assert "no response" not in line
        assert any(w in line for w in ("noise", "damaged", "corrupted")), line


def test_ctrl_c_during_a_flash_stops_within_a_second_with_one_line(board, tmp_path):
    img = image(tmp_path, 1024 * 1024, seed=5)
    p = flash_in_progress("--port", board.link, "--no-reset", f"{img}@0x{NOR:08X}")
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, rest = p.communicate(timeout=10)
    took = time.monotonic() - t0
    rest_lines = [ln for ln in rest.splitlines() if ln.strip() and not ln.startswith("writing:")]
    assert took < 1.0 and p.returncode == 130, (took, p.returncode, rest_lines, rest[-300:])
    assert len(rest_lines) == 1 and rest_lines[0].startswith("stm32boot: interrupted"), rest
    # the board is consistent: it answers, and the same command finishes the job
    r = stm32boot("flash", "--port", board.link, "--no-reset", f"{img}@0x{NOR:08X}")
    assert r.returncode == 0 and "verified by CRC" in r.stdout, r.stderr


def test_the_simulator_stops_on_the_first_ctrl_c(board):
    time.sleep(1.0)                     # idle in the bootloader, waiting for the host
    rc, took = board.interrupt(timeout=5)
    assert rc == 130 and took < 1.0, (rc, took, board.output())
    assert "interrupted" in board.output() and "Traceback" not in board.output()


def test_non_tty_and_missing_ports_and_bad_baud_are_one_line(tmp_path):
    plain = tmp_path / "plain"
    plain.write_text("x")
    for args, needle in ((["--port", "/dev/null"], "not a serial port"),
                         (["--port", str(plain)], "not a serial port"),
                         (["--port", str(tmp_path / "nothing")], "no such port"),
                         (["--baud", "-5"], "not a baud rate"),
                         (["--baud", "fast"], "not a baud rate")):
        r = stm32boot("info", *args, timeout=60)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 2 and len(lines) == 1 and needle in lines[0], r.stderr
        assert lines[0].startswith(("stm32boot: error: ", "stm32boot info: error: ")), r.stderr


def test_ctrl_c_on_a_busy_simulator_stops_it_and_the_host_says_so_in_one_line(board, tmp_path):
    img = image(tmp_path, 1024 * 1024, seed=6)
    p = flash_in_progress("--port", board.link, "--no-reset", f"{img}@0x{NOR:08X}")
    rc, took = board.interrupt(timeout=10)
    assert rc == 130 and took < 1.0, (rc, took, board.output())
    assert "Traceback" not in board.output() and "Exception ignored" not in board.output()
    _, rest = p.communicate(timeout=60)
    lines = [ln for ln in rest.splitlines() if ln.strip() and not ln.startswith("writing:")]
    assert p.returncode == 2 and len(lines) == 1 and lines[0].startswith("stm32boot: error: "), rest
    assert "went away" in lines[0], rest
