"""Flashing several boards at once (issue 17): four simulated H735 boards, each a `stm32boot sim` process
serving its console USART on a pty, flashed by one `stm32boot flash --port ... x4`; one board is broken
(its port does not exist), the other three are flashed and verified, the table names each."""
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf")


@pytest.fixture
def boards_on_ptys(tmp_path):
    procs, links = [], []
    for i in range(3):
        link = tmp_path / f"tty{i}"
        log = open(tmp_path / f"sim{i}.log", "wb")      # a file: a full pipe would stall the board
        p = subprocess.Popen([sys.executable, "-m", "stm32boot", "sim", "h735", "--state", str(tmp_path / f"s{i}"),
                              "--elf", BL, "--uart", f"pty:{link}"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=log)
        procs.append(p)
        links.append(str(link))
    end = time.monotonic() + 120
    for i in range(3):   # each board is up once it says it boots (the pty exists a little earlier)
        while b"booting from" not in (tmp_path / f"sim{i}.log").read_bytes():
            assert procs[i].poll() is None and time.monotonic() < end, "a simulator did not boot"
            time.sleep(0.1)
    yield links
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


def test_four_boards_in_parallel_one_failing_does_not_stop_the_others(boards_on_ptys, tmp_path):
    """A 32 KB NOR image (a pty-served board is a real-time device: on a loaded 2-core machine three of
    them flashing a big image at once can fall behind the host's timeouts, which a real board never does)."""
    broken = str(tmp_path / "no-such-port")
    ports = boards_on_ptys[:2] + [broken] + boards_on_ptys[2:]
    image = tmp_path / "nor.bin"
    image.write_bytes(bytes((i * 131 + 7) & 0xFF for i in range(32 * 1024)))
    IMG = f"{image}@0x90000000"
    cmd = [sys.executable, "-m", "stm32boot", "flash", IMG, "--no-reset", "--wait", "20"]
    for p in ports:
        cmd += ["--port", p]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout
    assert "3 of 4 board(s) flashed and verified, 1 FAILED" in out, out + r.stderr
    rows = {ln.split()[1]: ln for ln in out.splitlines() if ln.startswith("h735 ")}
    assert set(rows) == set(ports), out
    for p in boards_on_ptys:
        assert rows[p].rstrip().endswith("ok") and "32,768" in rows[p] and "8 sectors" in rows[p], rows[p]
    assert "FAILED" in rows[broken] and "no-such-port" in rows[broken]
    assert "Traceback" not in r.stderr
    # every board that was flashed holds the image: a second gang run rewrites nothing
    cmd = [sys.executable, "-m", "stm32boot", "verify", IMG, "--port", boards_on_ptys[0], "--wait", "20"]
    v = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert v.returncode == 0, v.stdout + v.stderr
    cmd = [sys.executable, "-m", "stm32boot", "flash", IMG, "--no-reset", "--wait", "20"]
    for p in boards_on_ptys:
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
