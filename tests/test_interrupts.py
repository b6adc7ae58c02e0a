"""Ctrl-C (issue 15): any command on the simulated board stops within a second with one line, and
leaves a board state the next command can use."""
import random
import signal
import time

from pty_board import ROOT, flash_in_progress, stm32boot

NOR = 0x9000_0000


def test_ctrl_c_during_a_flash_on_the_in_process_board(tmp_path):
    img = tmp_path / "img.bin"
    img.write_bytes(random.Random(3).randbytes(512 * 1024))
    state = str(tmp_path / "state")
    spec = f"{img}@0x{NOR:08X}"
    p = flash_in_progress("--state", state, "--no-reset", spec, timeout=300)
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    _, rest = p.communicate(timeout=20)
    took = time.monotonic() - t0
    lines = [ln for ln in rest.splitlines() if ln.strip() and not ln.startswith("writing:")]
    assert p.returncode == 130 and took < 1.0, (took, rest)
    assert len(lines) == 1 and lines[0].startswith("stm32boot: interrupted"), rest
    assert "Traceback" not in rest and "Exception ignored" not in rest and "faulted" not in rest
    # the state directory was released and is usable: the same command finishes the job
    r = stm32boot("flash", "--state", state, "--no-reset", spec)
    assert r.returncode == 0 and "verified by CRC" in r.stdout, r.stderr
    assert stm32boot("verify", "--state", state, spec).returncode == 0


def test_sim_timeout_holds_while_the_bootloader_idles(tmp_path):
    """`stm32boot sim --timeout 1` with nobody talking: the idle bootloader warps from event to event
    and never returned to the run loop, so the wall-clock limit was never checked."""
    import os
    elf = os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf")
    t0 = time.monotonic()
    r = stm32boot("sim", "h735", "--uart", "none", "--state", str(tmp_path / "s"), "--elf", elf,
                  "--timeout", "1", timeout=60)
    assert time.monotonic() - t0 < 15 and "sim: timeout" in r.stderr, r.stderr
