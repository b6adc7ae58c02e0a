"""The run loop: unicorn in slices between scheduled events, one reason per stop (docs/emulator-notes.md).

A slice ends when the C block hook reaches the deadline (next event), on a CPU exception (BKPT, SVC,
EXC_RETURN), on a bad access (fault), on WFI, or when a model asked to stop. Between slices: fire due
events, deliver pending exceptions, check the run's limits.
"""
from __future__ import annotations

import time

from unicorn import UC_PROT_EXEC, UcError
from unicorn.arm_const import UC_ARM_REG_R0
from unicorn.unicorn_const import UC_ERR_INSN_INVALID

from . import exceptions, memory, vclock
from .clock import PS_PER_S

WFI, WFI_W = 0xBF30, (0xF3AF, 0x8003)
# Without the C hook, unicorn's count= bounds each slice; a slice that stops early (BKPT, fault, WFI)
# is still counted whole, so virtual time is approximate to one slice (10k instructions).
FALLBACK_SLICE = 10_000


def _is_wfi(m, pc: int) -> bool:
    try:
        if int.from_bytes(m.read(pc - 2, 2), "little") == WFI:
            return True
        return tuple(int.from_bytes(m.read(pc - 4 + i, 2), "little") for i in (0, 2)) == WFI_W
    except UcError:
        return False


def _deliver(m) -> None:
    if m._pending and exceptions.can_take(m):
        exc = min(m._pending)  # lower number = higher fixed priority; enough for SysTick/SVC
        m._pending.discard(exc)
        exceptions.enter(m, exc, m.pc())


def run(m, timeout_s=None, until=None, max_virtual_s=None):
    from .machine import NO_UNTIL, RunResult
    t_wall = time.monotonic()
    m.sync()
    v0, i0 = m.clock.now, m.vc.insns
    m._clear_stop()
    if max_virtual_s is not None:
        m._limit_ps = v0 + int(max_virtual_s * PS_PER_S)
    if timeout_s is not None:
        m._wall_deadline = t_wall + timeout_s
    until_addr = until & ~1 if isinstance(until, int) else None
    m._until_fn = until if callable(until) else None
    native = vclock.is_native(m.vc)

    def result(reason, **kw):
        m.sync()
        return RunResult(reason=reason, pc=m.pc(), virtual_s=(m.clock.now - v0) / PS_PER_S,
                         wall_s=time.monotonic() - t_wall, instructions=m.vc.insns - i0,
                         r0=m.uc.reg_read(UC_ARM_REG_R0), **kw)

    while True:
        # An event due now (scheduled with no delay, e.g. bytes that already arrived when a model was told
        # of them) is fired here: sync() only fires events when instructions move time forward, and a
        # deadline at "now" stops every slice at once, so it would never fire (0 instructions, forever).
        nxt = m.clock.next_event_time()
        if nxt is not None and nxt <= m.clock.now:
            m.clock.advance_to(m.clock.now)
            m._hz_dirty = True
            m.sync()
        _deliver(m)
        m._set_deadline()
        m.vc.stop_requested = 0
        m._intr = None
        pc = m.pc()
        r = memory.region_at(m.regions, pc, 2)
        if r is None or not r.perms & UC_PROT_EXEC:
            # e.g. an erased vector table: silicon takes a fetch fault (and locks up) at once.
            rep = exceptions.access_fault(m, "fetch", pc, None)
            if rep.vectored:
                continue
            return result("fault", fault_report=rep, detail=rep.summary)
        err = None
        count = 0
        if not native:
            count = max(1, min(m.vc.deadline - m.vc.insns, FALLBACK_SLICE))
        try:
            m.uc.emu_start(pc | 1, until_addr if until_addr is not None else NO_UNTIL, 0, count)
        except UcError as e:
            err = e
        if not native:
            m.vc.insns += count  # approximate on early stops (fallback only)
        m.sync()
        pc = m.pc()
        if m._hook_exc is not None:
            exc, m._hook_exc = m._hook_exc, None
            raise exc
        if err is not None or m._bad is not None:
            if m._bad is not None:
                kind, addr, _size, cause = m._bad
                rep = exceptions.access_fault(m, kind, addr, cause)
            elif err.errno == UC_ERR_INSN_INVALID:
                rep = exceptions.undefined(m)
            else:
                rep = exceptions.fault(m, exceptions.HARDFAULT, cause=f"emulator error: {err}")
            m._bad = None
            if getattr(rep, "vectored", False):
                continue
            return result("fault", fault_report=rep, detail=rep.summary)
        if m._intr is not None:
            intno, m._intr = m._intr, None
            if intno == 7:  # BKPT: the firmware's "done" stop (PC at the BKPT)
                imm = m.read(pc, 1)[0]
                exceptions.debug_bkpt(m)
                return result("bkpt", bkpt=imm)
            if intno == 2:  # SVC: PC already after the instruction
                if not exceptions.enter(m, exceptions.SVCALL, pc):
                    return result("fault", detail="SVC with an unusable stack pointer")
                continue
            if intno in (3, 8) and (pc >= 0xFFFFFF00 or intno == 8):
                exceptions.exc_return(m, pc | 1)
                continue
            if intno == 3:
                rep = exceptions.access_fault(m, "fetch", pc, None)
                if rep.vectored:
                    continue
                return result("fault", fault_report=rep, detail=rep.summary)
            rep = exceptions.fault(m, exceptions.HARDFAULT, cause=f"unexpected CPU exception {intno}")
            return result("fault", fault_report=rep, detail=rep.summary)
        if m._until_hit:
            return result("until")
        if m._hang is not None:
            return result("hang", detail=m._hang)
        if m._timed_out:
            return result("timeout")
        if m._reset_req:
            m._reset_req = False
            m.reset()
            continue
        if until_addr is not None and pc == until_addr:
            return result("until")
        if not m.vc.stop_requested and _is_wfi(m, pc):
            if not m._pending:
                if not (m._warp() or m._wait_host()):
                    if m._timed_out:
                        return result("timeout")
                    return result("hang", detail="WFI with no interrupt or event pending")
        if callable(until) and until():
            return result("until")
        if m._limit_ps is not None and m.clock.now >= m._limit_ps:
            return result("virtual")
        if m._wall_deadline is not None and time.monotonic() >= m._wall_deadline:
            return result("timeout")
