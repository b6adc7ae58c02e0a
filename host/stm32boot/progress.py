"""Progress on stderr: a redrawn bar on a terminal, plain lines every 10 % otherwise (logs, CI,
pipes), so a captured log stays short and readable."""
from __future__ import annotations

import sys
import time


class Progress:
    """Call `update(done)` with a growing count (bytes); `finish()` once at the end.
    Backwards or repeated values are tolerated (retransmissions can make a count wobble)."""

    def __init__(self, label: str, total: int, stream=None, width: int = 30, tty: bool | None = None):
        self.label, self.total = label, max(int(total), 0)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.width = width
        self.done = 0
        self._next_step = 10          # next percentage printed in plain mode
        self._last_draw = 0.0
        self._start = time.monotonic()
        self._finished = False

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None and total > 0:
            self.total = total
        self.update(done)

    def update(self, done: int) -> None:
        self.done = max(0, min(int(done), self.total)) if self.total else int(done)
        pct = 100 * self.done // self.total if self.total else 100
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw >= 0.05 or self.done >= self.total:
                self._last_draw = now
                self._draw(pct)
        else:
            while pct >= self._next_step and self._next_step <= 100:
                self.stream.write(f"{self.label}: {self._next_step}% "
                                  f"({self._next_step * self.total // 100:,} of {self.total:,} bytes)\n")
                self._next_step += 10
            self.stream.flush()

    def _draw(self, pct: int) -> None:
        fill = self.width * pct // 100
        bar = "#" * fill + "-" * (self.width - fill)
        self.stream.write(f"\r{self.label}: [{bar}] {pct:3d}% {self.done:,}/{self.total:,} bytes")
        self.stream.flush()

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.update(self.total)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class NoProgress(Progress):
    """Silent stand-in (quiet mode, tests)."""

    def __init__(self, label: str = "", total: int = 0, **_):
        super().__init__(label, total, stream=_Null(), tty=False)


class _Null:
    def write(self, _s):
        pass

    def flush(self):
        pass

    def isatty(self):
        return False
