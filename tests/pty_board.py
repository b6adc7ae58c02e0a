"""A simulated board in its own process on a pseudo-terminal (`stm32boot sim h735 --uart pty:LINK`), and
a link between it and the host that adds latency and noise (drops, duplicates, corruption per byte,
seeded), as a second pseudo-terminal the host opens with --port. Used by tests and benches."""
from __future__ import annotations

import collections
import os
import random
import select
import signal
import subprocess
import sys
import threading
import time
import tty

from stm32boot.transport import damage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.path.join(ROOT, "host") + os.pathsep + e.get("PYTHONPATH", "")
    return e


class PtyBoard:
    """`stm32boot sim BOARD --uart pty:<dir>/board --state <dir>/state` in a separate process."""

    def __init__(self, workdir: str, state: str | None = None, board: str = "h735"):
        self.link = os.path.join(workdir, "board")
        self.state = state or os.path.join(workdir, "state")
        self.log = open(os.path.join(workdir, "sim.log"), "w+")
        fresh = not os.path.exists(self.state)
        boot = ["--elf", os.path.join(ROOT, "build", "firmware", board, "bootloader.elf")] if fresh else []
        self.proc = subprocess.Popen(
            [PY, "-m", "stm32boot", "sim", board, "--uart", f"pty:{self.link}", "--state", self.state,
             *boot],
            stdout=self.log, stderr=subprocess.STDOUT, env=env(), cwd=ROOT)
        end = time.monotonic() + 60
        while not os.path.exists(self.link):
            if self.proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"the simulator did not come up: {self.output()}")
            time.sleep(0.05)
        time.sleep(0.3)   # booting into the bootloader

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def interrupt(self, timeout: float = 5.0) -> tuple[int | None, float]:
        """One Ctrl-C (SIGINT); (exit status or None if still running, seconds it took)."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            rc = None
        return rc, time.monotonic() - t0

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class LinkProxy:
    """Host side: a new pty (`path`) the host opens; board side: the board's pty. Each direction
    delays every byte by `latency` s and damages it with per-byte probabilities (drop, dup, corrupt)."""

    def __init__(self, board_path: str, latency: float = 0.0, drop: float = 0.0, dup: float = 0.0,
                 corrupt: float = 0.0, seed: int = 1):
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave                   # kept open: the host's open/close must not hang it up
        self.board = os.open(board_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.board)
        os.set_blocking(self.master, False)
        self.latency, self.p = latency, (drop, dup, corrupt)
        self.rng = random.Random(seed)
        self.damaged = 0
        self.moved = 0
        self._stop = False
        self._q = {self.master: collections.deque(), self.board: collections.deque()}  # to write
        self._out = {self.master: bytearray(), self.board: bytearray()}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _damage(self, data: bytes) -> bytes:
        out, n = damage(data, self.p, self.rng)
        self.damaged += n
        return out

    def _run(self):
        peer = {self.master: self.board, self.board: self.master}
        while not self._stop:
            now = time.monotonic()
            due = [q[0][0] for q in self._q.values() if q]
            timeout = max(0.0, min(due) - now) if due else 0.05
            wfds = [fd for fd, b in self._out.items() if b]
            try:
                r, w, _ = select.select([self.master, self.board], wfds, [], min(timeout, 0.05))
            except (OSError, ValueError):
                return
            for fd in r:
                try:
                    data = os.read(fd, 65536)
                except (BlockingIOError, OSError):
                    continue
                if data:
                    self.moved += len(data)
                    self._q[peer[fd]].append((time.monotonic() + self.latency, self._damage(data)))
            now = time.monotonic()
            for fd, q in self._q.items():
                while q and q[0][0] <= now:
                    self._out[fd] += q.popleft()[1]
            for fd, buf in self._out.items():
                if buf:
                    try:
                        n = os.write(fd, buf)
                        del buf[:n]
                    except (BlockingIOError, OSError):
                        pass

    def close(self):
        self._stop = True
        self.thread.join(2)
        for fd in (self.master, self._slave, self.board):
            try:
                os.close(fd)
            except OSError:
                pass


def stm32boot(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    """The CLI in its own process, as a user runs it."""
    return subprocess.run([PY, "-m", "stm32boot", *args], capture_output=True, text=True,
                          timeout=timeout, env=env(), cwd=ROOT)


def flash_in_progress(*args, timeout: float = 120) -> subprocess.Popen:
    """`stm32boot flash ARGS` in its own process, returned once its progress line shows 10% written (the
    middle of writing, where an interrupt must leave a usable board); fails the test after `timeout` s."""
    p = subprocess.Popen([PY, "-m", "stm32boot", "flash", *args], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env(), cwd=ROOT)
    err = ""
    end = time.monotonic() + timeout
    while "writing: 10%" not in err:
        line = p.stderr.readline()
        assert line or p.poll() is None, err
        err += line
        assert time.monotonic() < end, err
    return p
