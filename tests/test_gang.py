"""Flashing several boards at once (issue 17): four simulated boards, each a `stm32boot sim` process
serving its console USART on a pty, flashed by one `stm32boot flash --port ...`; one of them is the wrong
board and one more port does not exist: the other three are flashed and verified, the table names each."""
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf")


@pytest.fixture
def boards_on_ptys(tmp_path):
    """Four simulated boards, each `stm32boot sim` on its own pty: three H735 and an F746 (the fixture's
    odd board out: a `--board h735` gang must refuse it and carry on)."""
    procs, links = [], []
    for i, name in enumerate(("h735", "h735", "f746", "h735")):
        link = tmp_path / f"tty{i}"
        log = open(tmp_path / f"sim{i}.log", "wb")      # a file: a full pipe would stall the board
        bl = os.path.join(ROOT, "build", "firmware", name, "bootloader.elf")
        p = subprocess.Popen([sys.executable, "-m", "stm32boot", "sim", name, "--state", str(tmp_path / f"s{i}"),
                              "--elf", bl, "--uart", f"pty:{link}"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=log)
        procs.append(p)
        links.append(str(link))
    end = time.monotonic() + 120
    for i in range(len(procs)):   # each board is up once it says it boots (the pty exists a little earlier)
        while b"booting from" not in (tmp_path / f"sim{i}.log").read_bytes():
            assert procs[i].poll() is None and time.monotonic() < end, "a simulator did not boot"
            time.sleep(0.1)
    yield links
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


def test_four_boards_in_parallel_one_failing_does_not_stop_the_others(boards_on_ptys, tmp_path):
    """Four simulated boards on ptys, one of them the wrong board (an F746 in an H735 fixture), and a
    port with nothing behind it. A 32 KB NOR image (a pty-served board is a real-time device: on a loaded
    2-core machine three of them flashing a big image at once can fall behind the host's timeouts, which
    a real board never does)."""
    broken = str(tmp_path / "no-such-port")
    ports = boards_on_ptys + [broken]
    wrong = boards_on_ptys[2]
    good = [p for p in boards_on_ptys if p != wrong]
    image = tmp_path / "nor.bin"
    image.write_bytes(bytes((i * 131 + 7) & 0xFF for i in range(32 * 1024)))
    IMG = f"{image}@0x90000000"
    cmd = [sys.executable, "-m", "stm32boot", "flash", IMG, "--no-reset", "--wait", "20"]
    for p in ports:
        cmd += ["--port", p]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout
    assert "3 of 5 board(s) flashed and verified, 2 FAILED" in out, out + r.stderr
    assert out.splitlines()[0].split() == ["board", "serial", "port", "bytes", "skipped", "verified", "time", "result"]
    rows = {ln.split()[1]: ln for ln in out.splitlines() if ln.startswith(("h735 ", "f746 "))}
    assert set(rows) == set(ports), out
    for p in good:
        assert rows[p].rstrip().endswith("ok") and "32,768" in rows[p] and "8 sectors" in rows[p], rows[p]
    assert "FAILED" in rows[broken] and "no-such-port" in rows[broken]
    assert "FAILED: wrong board" in rows[wrong] and "'f746'" in rows[wrong], rows[wrong]
    # one status line per board in a log, each naming its port
    status = [ln for ln in r.stderr.splitlines() if ln.split(":")[0] in ports]
    assert sorted(ln.split(":")[0] for ln in status) == sorted(ports), r.stderr
    assert "Traceback" not in r.stderr
    # every board that was flashed holds the image: a second gang run rewrites nothing
    cmd = [sys.executable, "-m", "stm32boot", "verify", IMG, "--port", good[0], "--wait", "20"]
    v = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert v.returncode == 0, v.stdout + v.stderr
    cmd = [sys.executable, "-m", "stm32boot", "flash", IMG, "--no-reset", "--wait", "20"]
    for p in good:
        cmd += ["--port", p]
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "3 of 3 board(s) flashed and verified" in again.stdout, again.stdout + again.stderr
    for ln in again.stdout.splitlines():
        if ln.startswith("h735 "):
            cols = ln.split()
            assert cols[2] == "0" and cols[3] == "8" and cols[-1] == "ok", ln   # nothing written, all skipped


def test_other_commands_take_one_port():
    r = subprocess.run([sys.executable, "-m", "stm32boot", "info", "--port", "/dev/a", "--port", "/dev/b"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "give one --port" in r.stderr and "Traceback" not in r.stderr


class _Tty:
    """A terminal for the gang's status lines: what was written, redraws included."""

    def __init__(self):
        self.text = ""

    def isatty(self):
        return True

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_on_a_terminal_each_board_has_one_status_line_redrawn_in_place(monkeypatch, tmp_path, capsys):
    """Three fake boards (uploader_fake), the second losing its link after two writes: the status block
    is redrawn in place (cursor up one line per board), every board keeps its own line to the end, the
    failing one says FAILED while the others finish, the table follows and the exit status is 1."""
    import argparse
    import time as _time

    from stm32boot import boards, gang, session
    from stm32boot import image as imagemod
    from uploader_fake import FakeTarget

    h735 = boards.get("h735")

    class Slow(FakeTarget):
        def write(self, chunks, progress=None):
            _time.sleep(0.15)                  # long enough for the status block to be redrawn
            return super().write(chunks, progress)

    fakes = {"/dev/A": Slow(h735), "/dev/B": Slow(h735, die_after_writes=2), "/dev/C": Slow(h735)}
    monkeypatch.setattr(session, "_open", lambda b, port, state, baud, **o: fakes[port])
    image = tmp_path / "nor.bin"
    image.write_bytes(bytes((i * 7) & 0xFF for i in range(64 * 1024)))
    img = imagemod.load([f"{image}@0x90000000"], h735)
    args = argparse.Namespace(baud=None, wait=None, before=None, after="none", no_reset=False)
    tty = _Tty()
    rc = gang.flash_many(args, h735, img, list(fakes), stream=tty)
    assert rc == 1
    assert tty.text.count("\x1b[3F") >= 1            # redrawn: three lines up, then three lines again
    last = tty.text.rsplit("\x1b[3F", 1)[1].splitlines()
    assert len(last) == 3 and [ln.split(":")[0].replace("\x1b[2K", "") for ln in last] == list(fakes)
    assert "FAILED" in last[1] and "done:" in last[0] and "done:" in last[2], last
    first = tty.text.split("\x1b[3F", 1)[0]             # the block as first drawn: work under way
    assert first.count("\n") == 3 and "done:" not in first
    out = capsys.readouterr().out
    assert "2 of 3 board(s) flashed and verified, 1 FAILED" in out
    assert out.splitlines()[0].split() == ["board", "serial", "port", "bytes", "skipped", "verified", "time", "result"]
    assert fakes["/dev/A"].written and fakes["/dev/C"].written
