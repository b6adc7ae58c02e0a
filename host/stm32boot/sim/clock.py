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
    __slots__ = ("when", "fn", "cancelled", "name", "lazy")

    def __init__(self, when: int, fn: Callable[[], None], name: str, lazy: bool = False):
        self.when, self.fn, self.name, self.lazy = when, fn, name, lazy
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """`now` in ps; `after(delay_ps, fn)` schedules; `advance_to(t)` runs due events in order.

    A lazy event (`after(..., lazy=True)`) changes nothing but its model's own state, which the guest can
    only see through that model's registers: the core need not stop for it, and it runs when the clock
    next moves past it (at the next register access, a warp or the end of a slice), in time order with
    every other event and with `now` at its own time, so every access sees what it would have seen.
    `next_event_time()` includes lazy events (idle warps land on them); `next_strict_time()` does not
    (where the core must stop)."""

    def __init__(self):
        self.now = 0
        self._heap: list[tuple[int, int, Event]] = []
        self._lazy: list[tuple[int, int, Event]] = []
        self._seq = itertools.count()
        # Accounting for the "how long on a real board" report.
        self.device_busy_ps = 0  # summed busy time of devices (flash, NOR); informational
        self.fired = 0           # events run so far (the machine: did anything change besides time?)
        self.lazy_ok = True      # False: lazy events are treated as any other (machine.fast_io)

    def after(self, delay_ps: int, fn: Callable[[], None], name: str = "", lazy: bool = False) -> Event:
        if delay_ps < 0:
            raise ValueError("cannot schedule in the past")
        ev = Event(self.now + int(delay_ps), fn, name, lazy)
        heapq.heappush(self._lazy if lazy and self.lazy_ok else self._heap, (ev.when, next(self._seq), ev))
        return ev

    def next_strict_time(self) -> int | None:
        h = self._heap
        if h and not h[0][2].cancelled:   # the common case, asked on every register access
            return h[0][0]
        while h and h[0][2].cancelled:
            heapq.heappop(h)
        return h[0][0] if h else None

    def due_kinds(self, t: int) -> tuple[bool, bool]:
        """(a non-lazy event, a lazy one) due by `t`, whichever heap holds them (with lazy_ok False every
        event is in the strict heap): where a run would have stopped with lazy events on (runloop)."""
        strict = lazy = False
        for h in (self._heap, self._lazy):
            for when, _, ev in h:
                if when <= t and not ev.cancelled:
                    if ev.lazy:
                        lazy = True
                    else:
                        strict = True
        return strict, lazy

    def next_lazy_time(self) -> int | None:
        h = self._lazy
        while h and h[0][2].cancelled:
            heapq.heappop(h)
        return h[0][0] if h else None

    def next_event_time(self) -> int | None:
        t = self.next_strict_time()
        h = self._lazy
        if not h:
            return t
        while h and h[0][2].cancelled:
            heapq.heappop(h)
        if h and (t is None or h[0][0] < t):
            return h[0][0]
        return t

    def _pop_next(self, t: int):
        """The earliest live event due by `t` (by time, then scheduling order), removed; None if none."""
        h, lz = self._heap, self._lazy
        while h and h[0][2].cancelled:
            heapq.heappop(h)
        if lz:
            while lz and lz[0][2].cancelled:
                heapq.heappop(lz)
            if lz:
                a = lz[0]
                if not h or a[0] < h[0][0] or (a[0] == h[0][0] and a[1] < h[0][1]):
                    return heapq.heappop(lz)[2] if a[0] <= t else None
        if h and h[0][0] <= t:
            return heapq.heappop(h)[2]
        return None

    def advance_to(self, t: int) -> None:
        """Move time forward to `t`, firing every event due on the way, each at its own time."""
        while True:
            ev = self._pop_next(t)
            if ev is None:
                break
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
