"""The run loop: unicorn in slices between scheduled events, one reason per stop (docs/emulator-notes.md).

A slice ends when the C block hook reaches the deadline (next event), on a CPU exception (BKPT, SVC,
EXC_RETURN), on a bad access (fault), on WFI, or when a model asked to stop. Between slices: fire due
events, deliver pending exceptions, check the run's limits.

The run's own state (its limits and why a slice stopped) is a RunState: the machine's hooks and the idle
warp record stops there while unicorn runs; the loop reads them between slices. The loop uses only the
machine's public face (sync, clock, vc, pc, read, reset, pending exceptions, the deadline, the idle warp).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from unicorn import UC_PROT_EXEC, UcError
from unicorn.arm_const import UC_ARM_REG_R0
from unicorn.unicorn_const import UC_ERR_INSN_INVALID

from . import exceptions, memory, vclock
from .clock import PS_PER_S

NO_UNTIL = 0xFFFFFFFE      # an address that never executes (EXC_RETURN space faults first)
WFI, WFI_W = 0xBF30, (0xF3AF, 0x8003)
# Without the C hook, unicorn's count= bounds each slice; a slice that stops early (BKPT, fault, WFI)
# is still counted whole, so virtual time is approximate to one slice (10k instructions).
FALLBACK_SLICE = 10_000
INTR_SVC, INTR_PREFETCH_ABORT, INTR_BKPT, INTR_EXCEPTION_EXIT = 2, 3, 7, 8   # unicorn's ARM intno values


@dataclass
class RunResult:
    reason: str            # "bkpt" | "fault" | "timeout" | "until" | "hang" | "virtual"
    pc: int
    virtual_s: float       # virtual time elapsed during this run
    wall_s: float
    instructions: int
    fault_report: object = None   # faults.FaultReport when reason == "fault"
    bkpt: int | None = None       # BKPT immediate when reason == "bkpt"
    detail: str = ""              # e.g. the polled register for "hang"
    r0: int = 0

    def summary(self) -> str:
        mips = self.instructions / self.wall_s / 1e6 if self.wall_s > 0 else 0.0
        what = self.reason + (f" #{self.bkpt}" if self.bkpt is not None else "")
        if self.detail:
            what += f": {self.detail}"
        return (f"{what} at PC=0x{self.pc:08X}; virtual {self.virtual_s * 1e3:.3f} ms, wall "
                f"{self.wall_s * 1e3:.1f} ms, {self.instructions} instructions ({mips:.1f} MIPS)")


class RunState:
    """The current run's limits and why its slice stopped. Hooks call the stop_* methods while unicorn
    runs (each also stops the engine); the loop reads the fields between slices."""

    def __init__(self, uc):
        self._uc = uc
        self.begin()

    def begin(self, until_fn=None, limit_ps=None, wall_deadline=None) -> None:
        self.until_fn = until_fn          # host predicate checked between slices and while idle
        self.limit_ps = limit_ps          # virtual time the run may not pass (max_virtual_s)
        self.wall_deadline = wall_deadline
        self.intr = None                  # unicorn interrupt number of a CPU exception
        self.hook_exc = None              # an exception raised inside a hook (re-raised by the loop)
        self.bad = None                   # (kind, addr, size, cause) of a faulting access
        self.hang = None                  # why the guest can never make progress
        self.timed_out = False
        self.until_hit = False

    def wall_expired(self) -> bool:
        return self.wall_deadline is not None and time.monotonic() >= self.wall_deadline

    def cpu_exception(self, intno: int) -> None:
        self.intr = intno
        self._uc.emu_stop()

    def hook_error(self, e: BaseException) -> None:
        self.hook_exc = self.hook_exc or e
        self._uc.emu_stop()

    def bad_access(self, kind: str, addr: int, size: int, cause=None, stop: bool = True) -> None:
        """The first faulting access of the slice is the one reported."""
        if self.bad is None:
            self.bad = (kind, addr, size, cause)
        if stop:
            self._uc.emu_stop()

    def stop_until(self) -> None:
        self.until_hit = True
        self._uc.emu_stop()

    def stop_timeout(self) -> None:
        self.timed_out = True
        self._uc.emu_stop()

    def stop_hang(self, why: str) -> None:
        self.hang = why
        self._uc.emu_stop()

    def interrupt(self) -> None:
        """Ctrl-C: stop at the next hook or check, as a timeout (any thread, any time)."""
        self.wall_deadline = 0.0
        self.stop_timeout()


class _Loop:
    """One run of `m`: slices until a stop reason (see run())."""

    def __init__(self, m, timeout_s, until, max_virtual_s):
        self.m = m
        self.t_wall = time.monotonic()
        m.sync()
        self.v0, self.i0 = m.clock.now, m.vc.insns
        self.until = until
        self.until_addr = until & ~1 if isinstance(until, int) else None
        self.lazy_stop = False     # the last slice ended only for an event lazy with fast_io (emulate)
        m.run_state.begin(until_fn=until if callable(until) else None,
                          limit_ps=None if max_virtual_s is None else self.v0 + int(max_virtual_s * PS_PER_S),
                          wall_deadline=None if timeout_s is None else self.t_wall + timeout_s)
        m.idle.clear()
        self.native = vclock.is_native(m.vc)

    def result(self, reason: str, **kw) -> RunResult:
        m = self.m
        m.sync()
        return RunResult(reason=reason, pc=m.pc(), virtual_s=(m.clock.now - self.v0) / PS_PER_S,
                         wall_s=time.monotonic() - self.t_wall, instructions=m.vc.insns - self.i0,
                         r0=m.uc.reg_read(UC_ARM_REG_R0), **kw)

    def fault(self, rep) -> RunResult | None:
        """A fault report: None when the guest's handler takes it (vectored), else the run's result."""
        if getattr(rep, "vectored", False):
            return None
        return self.result("fault", fault_report=rep, detail=rep.summary)

    def run(self) -> RunResult:
        while True:
            self.between_slices()
            res = self.slice()
            if res is not None:
                return res

    # ---- between slices --------------------------------------------------------------------------
    def between_slices(self) -> None:
        m = self.m
        # An event due now (scheduled with no delay, e.g. bytes that already arrived when a model was told
        # of them) is fired here: sync() only fires events when instructions move time forward, and a
        # deadline at "now" stops every slice at once, so it would never fire (0 instructions, forever).
        nxt = m.clock.next_event_time()
        if nxt is not None and nxt <= m.clock.now:
            m.clock.advance_to(m.clock.now)
            m.clock_moved()
        m.deliver_exception()
        m.set_deadline()
        m.vc.stop_requested = 0
        m.run_state.intr = None

    # ---- one slice ---------------------------------------------------------------------------------
    def slice(self) -> RunResult | None:
        """Run unicorn once; the run's result if it ends here, else None (next slice)."""
        m = self.m
        pc = m.pc()
        r = memory.region_at(m.regions, pc, 2)
        if r is None or not r.perms & UC_PROT_EXEC:
            # e.g. an erased vector table: silicon takes a fetch fault (and locks up) at once.
            return self.fault(exceptions.access_fault(m, "fetch", pc, None))
        err = self.emulate(pc)
        rs = m.run_state
        if rs.hook_exc is not None:
            exc, rs.hook_exc = rs.hook_exc, None
            raise exc
        if err is not None or rs.bad is not None:
            return self.fault(self.access_error(err))
        if rs.intr is not None:
            return self.cpu_exception()
        return self.check_stops()

    def emulate(self, pc: int):
        m = self.m
        count = 0 if self.native else max(1, min(m.vc.deadline - m.vc.insns, FALLBACK_SLICE))
        err = None
        m.vc.rc_n = 0      # events fired and the host acted since the last slice: no read is known stable
        m.slices += 1
        try:
            m.uc.emu_start(pc | 1, self.until_addr if self.until_addr is not None else NO_UNTIL, 0, count)
        except UcError as e:
            err = e
        if not self.native:
            m.vc.insns += count  # approximate on early stops (fallback only)
        self.lazy_stop = False
        if not m.clock.lazy_ok:
            # Every event stops the core here; with lazy events on, those marked lazy would not have. The
            # host's condition is checked only where both would stop, so it acts at the same instruction
            # either way (tests compare the two: tests/test_sim_fast_paths.py).
            strict, lazy = m.clock.due_kinds(m.time_now())
            self.lazy_stop = lazy and not strict
        m.guard_settle()
        m.post_deliver()   # before the clock moves: the writes came before any event now due
        m.sync()
        return err

    def access_error(self, err):
        m = self.m
        rs = m.run_state
        if rs.bad is not None:
            kind, addr, _size, cause = rs.bad
            rep = exceptions.access_fault(m, kind, addr, cause)
        elif err.errno == UC_ERR_INSN_INVALID:
            rep = exceptions.undefined(m)
        else:
            rep = exceptions.fault(m, exceptions.HARDFAULT, cause=f"emulator error: {err}")
        rs.bad = None
        return rep

    def cpu_exception(self) -> RunResult | None:
        m = self.m
        intno, m.run_state.intr = m.run_state.intr, None
        pc = m.pc()
        if intno == INTR_BKPT:       # the firmware's "done" stop (PC at the BKPT)
            imm = m.read(pc, 1)[0]
            exceptions.debug_bkpt(m)
            return self.result("bkpt", bkpt=imm)
        if intno == INTR_SVC:        # PC already after the instruction
            if not exceptions.enter(m, exceptions.SVCALL, pc):
                return self.result("fault", detail="SVC with an unusable stack pointer")
            return None
        if intno == INTR_EXCEPTION_EXIT or (intno == INTR_PREFETCH_ABORT and pc >= 0xFFFFFF00):
            exceptions.exc_return(m, pc | 1)
            return None
        if intno == INTR_PREFETCH_ABORT:
            return self.fault(exceptions.access_fault(m, "fetch", pc, None))
        rep = exceptions.fault(m, exceptions.HARDFAULT, cause=f"unexpected CPU exception {intno}")
        return self.result("fault", fault_report=rep, detail=rep.summary)

    def check_stops(self) -> RunResult | None:
        """After a slice that ended normally: a stop a hook recorded, the run's limits, WFI."""
        m = self.m
        rs = m.run_state
        if rs.until_hit:
            return self.result("until")
        if rs.hang is not None:
            return self.result("hang", detail=rs.hang)
        if rs.timed_out:
            return self.result("timeout")
        if m.take_reset_request():
            m.reset()
            return None
        if self.until_addr is not None and m.pc() == self.until_addr:
            return self.result("until")
        if not m.vc.stop_requested and is_wfi(m, m.pc()) and not m.pending:
            if not (m.idle.warp() or m.idle.wait_host()):
                return self.result("timeout" if rs.timed_out else "hang",
                                   detail="" if rs.timed_out else "WFI with no interrupt or event pending")
        if callable(self.until) and not self.lazy_stop and self.until():
            return self.result("until")
        if rs.limit_ps is not None and m.clock.now >= rs.limit_ps:
            return self.result("virtual")
        if rs.wall_expired():
            return self.result("timeout")
        return None


def is_wfi(m, pc: int) -> bool:
    try:
        if int.from_bytes(m.read(pc - 2, 2), "little") == WFI:
            return True
        return tuple(int.from_bytes(m.read(pc - 4 + i, 2), "little") for i in (0, 2)) == WFI_W
    except UcError:
        return False


def run(m, timeout_s=None, until=None, max_virtual_s=None) -> RunResult:
    """Run `m` until BKPT, a fault, `until` (an address reached or a predicate true), a hang, the wall
    `timeout_s` or `max_virtual_s` of virtual time."""
    return _Loop(m, timeout_s, until, max_virtual_s).run()
