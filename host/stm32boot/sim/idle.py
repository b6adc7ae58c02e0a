"""Idle time: a guest polling a status register, or in WFI, moves the virtual clock to the next event
instead of executing the wait instruction by instruction (docs/emulator-notes.md, virtual time).

Idle polling is the same status register (a model's POLL_REGS) read POLL_K times in a row with the same
value, each read within POLL_GAP instructions of the previous one. The jump goes to the clock's next event
and no further, so a byte a UART receives lands while the guest is still looking (a UART without a FIFO
would otherwise overrun where silicon does not). With a host on a real wire (`sources`: pty, TCP) an idle
board is paced to the wall clock instead of running ahead of it.
"""
from __future__ import annotations

import time

from . import vclock
from .clock import PS_PER_S

RT_LEAD_S = 0.002       # interactive: how far an idle board may run ahead of the wall clock
POLL_K = 4              # identical status reads in a row that count as idle polling
# ...each within this many instructions of the previous one: a wait loop (the drivers' deadline checks
# make ~100-instruction iterations), not a computation that looks at a status between chunks of work,
# whose time must not be jumped (the block hook counts whole blocks, so the gap is approximate).
POLL_GAP = 256
HOST_WAIT_S = 0.05      # one blocking wait on host input, so limits and Ctrl-C are checked this often


class Idle:
    """The machine's idle-poll detector and time warp. `m` gives: clock, vc (instruction count, and the
    run of status reads: vc.idle_*, shared with the C side, which counts the reads it answers itself),
    run_state (the run's limits and stop flags), clock_moved() and name(model, offset)."""

    def __init__(self, m):
        self.m = m
        self.sources: list = []      # fn(timeout_s) -> bool: host inputs to wait on when idle
        self.hang_polls = 200_000    # identical idle reads with nothing pending before "hang"
        m.vc.poll_k, m.vc.poll_gap = POLL_K, POLL_GAP
        self._count = vclock.idle_counter(m.vc)
        self.clear()

    def clear(self) -> None:
        """A new run: forget the polling seen so far and the wall-clock anchor."""
        vc = self.m.vc
        vc.idle_addr = vclock.IDLE_NONE
        vc.idle_count = vc.idle_insns = vc.idle_timed = 0
        vc.idle_time_reads = vc.time_reads    # time-source reads the C side answered
        self.rt_anchor = None

    # the run of identical status reads going on (for messages: loader_harness)
    @property
    def addr(self):
        a = self.m.vc.idle_addr
        return None if a == vclock.IDLE_NONE else a

    @property
    def val(self) -> int:
        return self.m.vc.idle_val

    @property
    def count(self) -> int:
        return self.m.vc.idle_count

    # ---- what the guest reads ----------------------------------------------------------------------
    def status_read(self, p, off: int, addr: int, value: int) -> bool:
        """A read of a polled status register returned `value`. True if time moved (read it again)."""
        vc = self.m.vc
        if self._count(vc, addr, value) and self._idle(p, off):
            vc.idle_count = 0
            return True
        return False

    def time_read(self) -> None:
        """A tick read between status reads: still a wait, but one with a timeout of its own, never a hang."""
        self.m.vc.idle_timed = 1

    def other_access(self) -> None:
        """Any other register access ends a run of identical status reads."""
        self.m.vc.idle_addr = vclock.IDLE_NONE

    def _idle(self, p, off) -> bool:
        rs = self.m.run_state
        if rs.until_fn is not None and rs.until_fn():
            rs.stop_until()            # the host's condition holds: stop here (a status read: safe)
            return False
        if rs.wall_expired():
            rs.stop_timeout()          # an idle guest warping from event to event never returns to the
            return False               # run loop on its own: --timeout must still hold
        if self.warp() or self.wait_host():
            return True
        vc = self.m.vc
        if vc.idle_count >= self.hang_polls and not vc.idle_timed:
            rs.stop_hang(f"firmware polls {self.m.name(p, off)} (value 0x{vc.idle_val:X}) "
                         f"and no event or input is pending")
        return False

    # ---- moving the clock --------------------------------------------------------------------------
    def warp(self) -> bool:
        """Jump to the next event (never past it, nor past the run's virtual limit). False if none."""
        m = self.m
        clock, limit = m.clock, m.run_state.limit_ps
        nxt = clock.next_event_time()
        if limit is not None and (nxt is None or nxt > limit):
            nxt = limit if limit > clock.now else None
        if nxt is None:
            return False
        if self.sources and self._pace(nxt):
            return True
        clock.advance_to(nxt)
        m.clock_moved()
        return True

    def _pace(self, nxt: int) -> bool:
        """With a host on a real wire (pty, TCP), an idle board must not run ahead of the wall clock:
        its silence timeouts would fire before the host's next bytes could arrive, and it would burn
        the host's CPU doing so. Waits for host input in real time until the wall clock reaches
        `nxt` (less the allowed lead); True if it moved the clock (input came, or time passed)."""
        m = self.m
        wall = time.monotonic()
        anchor = self.rt_anchor
        if anchor is None or m.clock.now < anchor[1] + int((wall - anchor[0]) * PS_PER_S):
            anchor = self.rt_anchor = (wall, m.clock.now)   # behind the wall clock: forgive
        due = anchor[0] + (nxt - anchor[1]) / PS_PER_S - RT_LEAD_S
        if due <= wall:
            return False
        got = any(src(min(due - wall, HOST_WAIT_S)) for src in self.sources)
        now = anchor[1] + int((time.monotonic() - anchor[0]) * PS_PER_S)
        if now > m.clock.now:
            m.clock.advance_to(min(now, nxt))
        m.clock_moved()
        if not got and m.run_state.wall_expired():
            m.run_state.stop_timeout()
            return False
        return True

    def wait_host(self) -> bool:
        """Nothing scheduled: block on host inputs in real time (interactive channels)."""
        if not self.sources:
            return False
        m = self.m
        while True:
            t0 = time.monotonic()
            got = any(src(HOST_WAIT_S) for src in self.sources)
            # Real waiting time passes on the board too (docs/emulator-notes.md, virtual time).
            m.clock.advance_to(m.clock.now + int((time.monotonic() - t0) * PS_PER_S))
            m.clock_moved()
            if got or m.clock.next_event_time() is not None:
                return True
            if m.run_state.wall_expired():
                m.run_state.stop_timeout()
                return False
