"""Virtual time: one integer clock in picoseconds and one event scheduler for every model.

Everything that takes time on a real board (instructions at SYSCLK, flash erase/program, NOR busy,
UART frames on the wire) advances or schedules on this clock, so a run can say how long the same work
would take on silicon. Integer picoseconds keep "advanced to t" comparisons exact (docs/emulator-notes.md):
2**63 ps is 106 days.
"""
from __future__ import annotations

import heapq
import itertools
from typing import Callable

PS_PER_S = 1_000_000_000_000


def seconds(s: float) -> int:
    return int(round(s * PS_PER_S))


def us(x: float) -> int:
    return int(round(x * 1_000_000))


def ms(x: float) -> int:
    return int(round(x * 1_000_000_000))


class Event:
    __slots__ = ("when", "fn", "cancelled", "name")

    def __init__(self, when: int, fn: Callable[[], None], name: str):
        self.when, self.fn, self.name = when, fn, name
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """`now` in ps; `after(delay_ps, fn)` schedules; `advance_to(t)` runs due events in order."""

    def __init__(self):
        self.now = 0
        self._heap: list[tuple[int, int, Event]] = []
        self._seq = itertools.count()
        # Accounting for the "how long on a real board" report.
        self.device_busy_ps = 0  # summed busy time of devices (flash, NOR); informational
        self.fired = 0           # events run so far (the machine: did anything change besides time?)

    def after(self, delay_ps: int, fn: Callable[[], None], name: str = "") -> Event:
        if delay_ps < 0:
            raise ValueError("cannot schedule in the past")
        ev = Event(self.now + int(delay_ps), fn, name)
        heapq.heappush(self._heap, (ev.when, next(self._seq), ev))
        return ev

    def next_event_time(self) -> int | None:
        h = self._heap
        if h and not h[0][2].cancelled:   # the common case, asked on every register access
            return h[0][0]
        while h and h[0][2].cancelled:
            heapq.heappop(h)
        return h[0][0] if h else None

    def advance_to(self, t: int) -> None:
        """Move time forward to `t`, firing every event due on the way, each at its own time."""
        while True:
            nxt = self.next_event_time()
            if nxt is None or nxt > t:
                break
            _, _, ev = heapq.heappop(self._heap)
            self.now = max(self.now, ev.when)
            self.fired += 1
            ev.fn()
        self.now = max(self.now, t)

    def warp_to_next_event(self) -> bool:
        """Jump to the next pending event (idle polling, WFI). False when nothing is pending."""
        nxt = self.next_event_time()
        if nxt is None:
            return False
        self.advance_to(nxt)
        return True

    @property
    def seconds(self) -> float:
        return self.now / PS_PER_S
