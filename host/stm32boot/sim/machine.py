"""The simulated machine: a Cortex-M7 on unicorn, the board's memories, one bus of peripheral models,
one virtual clock, and a run loop that executes in slices between scheduled events.

API used by the peripheral models, harnesses and tools (keep it small):

    m = Machine(board, chip=None, state=None, strict=False, fault_policy="stop")
                                         chip: a sim/chips module (default: the board's sim_chip);
                                         boards build machines with sim/board.py build()
    m.uc, m.clock, m.bus                 unicorn engine, virtual clock (ps), register dispatcher
    m.add(peripheral)                    attach a model (sets p.board = m; m.<name> = p, e.g. m.rcc)
    m.bus_model("USART1")                the model named so (KeyError naming what exists)
    m.console                            the board's console USART model (set by the chip's add_soc)
    m.map_ram_window(base, size, buf, perms)   RAM-speed window over a host buffer (XIP, OCTOSPI);
                                         toggle with m.uc.mem_protect; a blocked access faults
    m.add_fault_explainer(fn)            fn(addr, access) -> str | None: words for a fault's cause
    m.bus_fault(addr, cause, write=False)  a model declares a bus error now (from an MMIO callback)
    m.register_loader(base, size, fn)    fn(addr, data): how load_elf writes into e.g. the NOR window
    m.load_elf(path)                     load segments by physical address (elfload.py)
    m.reset()                            reset as silicon: MSP/PC from the vector table at boot_address
    m.run(timeout_s=None, until=None, max_virtual_s=None) -> RunResult
          until: an address (stop when PC gets there) or a callable checked between slices
    m.call(func, args, lr_stub, ...)     call a guest function; returns RunResult (r0 in .r0)
    m.read(addr, n) / m.write(addr, data)   host-side memory access, no side effects on models
    m.flash                              the internal-flash Region (.buf is the live bytearray)
    m.flash_changed(lo, hi)              call after changing flash bytes host-side (drops stale code)
    m.idle_sources                       [fn(timeout_s) -> bool]: host inputs to wait on when idle
    m.pend(exc_num)                      make an exception pending (SysTick = 15)
    m.cycles()                           virtual CPU cycles (DWT.CYCCNT, SysTick)
    m.sync()                             bring the clock up to the executed instructions

Flash stores: a guest store into internal flash reaches `flash_ctl.bus_write_array(addr, size,
value)` (the FLASH controller model, found by that method when added); True = accepted.
Time: CPU time = instructions x cpi / SYSCLK (rcc.sysclk_hz(), else the chip's reset clock), counted exactly by
the C block hook in native/vclock.c. Idle polling (a status register in POLL_REGS read 4 times in a
row with the same value, each within POLL_GAP instructions of the previous) and WFI jump to the next
event (docs/emulator-notes.md, virtual time).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from unicorn import (UC_ARCH_ARM, UC_HOOK_BLOCK, UC_HOOK_INTR, UC_HOOK_MEM_PROT, UC_HOOK_MEM_UNMAPPED,
                     UC_MEM_FETCH_PROT, UC_MEM_FETCH_UNMAPPED, UC_MEM_WRITE_PROT,
                     UC_MEM_WRITE_UNMAPPED, UC_MODE_THUMB, UC_PROT_ALL, Uc, UcError)
from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R0, UC_CPU_ARM_CORTEX_M7

from . import exceptions, memory, vclock
from .clock import PS_PER_S, Clock
from .regs import Bus

RT_LEAD_S = 0.002            # interactive: how far an idle board may run ahead of the wall clock
POLL_K = 4                 # identical status reads in a row that count as idle polling (docs/emulator-notes.md)
# ...each within this many instructions of the previous one: a wait loop (the drivers' deadline checks
# make ~100-instruction iterations), not a computation that looks at a status between chunks of work,
# whose time must not be jumped (the block hook counts whole blocks, so the gap is approximate).
POLL_GAP = 256
DEFAULT_POLL_REGS = frozenset({"SR", "ISR"})
NO_UNTIL = 0xFFFFFFFE      # an address that never executes (EXC_RETURN space faults first)
MAX_SLICE_INSNS = 20_000_000  # slices end at least this often for timeouts and host predicates

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


class Machine:
    def __init__(self, board, chip=None, state=None, strict=False, fault_policy="stop", warn=print, cpi=1):
        if fault_policy not in ("stop", "vector"):
            raise ValueError("fault_policy must be 'stop' or 'vector'")
        if chip is None:
            from . import chips
            chip = chips.get(board.sim_chip)
        self.board = board
        self.chip = chip
        self.console = None
        self.state = state
        self.fault_policy = fault_policy
        self.cpi = cpi
        self.warn = warn
        self.clock = Clock()
        self.bus = Bus(strict=strict, pc=self.pc, warn=warn)
        self.rcc = None
        self.flash_ctl = None
        self.boot_address = board.memory("flash").base
        self.idle_sources: list = []
        self.trace = None            # callable(str) for --trace
        self.hang_polls = 200_000    # identical idle reads with nothing pending before "hang"
        self._fault_explainers: list = []
        self._loaders: list = []
        self._route_cache: dict[int, tuple] = {}
        self._poll_offsets: dict[int, frozenset] = {}
        self._pending: set[int] = set()

        self.uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
        self.uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M7)  # NOT UC_MODE_MCLASS (docs/emulator-notes.md)
        flash_mem = board.memory("flash")
        flash_buf = state.blob("flash", flash_mem.size) if state is not None else \
            bytearray(b"\xff" * flash_mem.size)
        self.regions = memory.build_regions(board, chip, flash_buf)
        memory.map_regions(self.uc, self.regions)
        self.flash = next(r for r in self.regions if r.kind == "flash")
        for base, size in chip.PERIPH_BLOCKS:
            self.uc.mmio_map(base, size, self._mmio_read, base, self._mmio_write, base)
        self.vc = vclock.attach(self.uc)
        self.uc.hook_add(UC_HOOK_INTR, self._on_intr)
        self.uc.hook_add(UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT, self._on_bad_access)
        self._ps_base = 0
        self._insn_base = 0
        self._cyc_base = 0
        self._reset_hz = chip.RESET_SYSCLK_HZ
        self._hz = self._reset_hz
        self._hz_dirty = True
        self._synced = (None, None)
        self._dl_key = self._dl_base = None
        self._clear_stop()
        exceptions.add_core_models(self)

    # ---- models and memory -------------------------------------------------------------------
    def add(self, p):
        p.board = self
        self.bus.add(p)
        self._route_cache.clear()
        names = {r.name for r in p.REGS}
        poll = getattr(p, "POLL_REGS", DEFAULT_POLL_REGS) & names
        self._poll_offsets[id(p)] = frozenset(p.reg(n).offset for n in poll)
        attr = p.name.lower()
        if attr.isidentifier() and not hasattr(type(self), attr) and attr not in self.__dict__:
            setattr(self, attr, p)
        if hasattr(p, "bus_write_array"):
            self.flash_ctl = p
        if hasattr(p, "sysclk_hz"):
            self.rcc = p
        return p

    def bus_model(self, name: str):
        for p in self.bus.peripherals:
            if p.name == name:
                return p
        raise KeyError(f"no model named {name} on this machine "
                       f"({', '.join(p.name for p in self.bus.peripherals)})")

    def map_ram_window(self, base, size, buffer, perms=UC_PROT_ALL):
        r = memory.Region(f"window@0x{base:08X}", base, size, perms, "window", buffer)
        r._cbuf = memory.map_ptr(self.uc, base, size, perms, buffer)
        self.regions.append(r)
        return r

    def add_fault_explainer(self, fn):
        self._fault_explainers.append(fn)

    def register_loader(self, base, size, fn):
        self._loaders.append((base, size, fn))

    def read(self, addr: int, n: int) -> bytes:
        return bytes(self.uc.mem_read(addr, n))

    def write(self, addr: int, data: bytes) -> None:
        self.uc.mem_write(addr, bytes(data))
        if self.flash.contains(addr, len(data)):
            self.flash_changed(addr, addr + len(data))

    def read32(self, addr: int) -> int:
        return int.from_bytes(self.uc.mem_read(addr, 4), "little")

    def flash_changed(self, lo: int, hi: int) -> None:
        """Host side changed code memory: drop translated blocks (unicorn runs stale translations until its
        cache is flushed) and block counts."""
        self.uc.ctl_remove_cache(lo, hi)
        vclock.flush(self.vc)
        if self.state is not None:   # durable now (state.py journal)
            self.state.wrote("flash", lo - self.flash.base, hi - lo)

    def load_elf(self, path):
        from .elfload import load_elf
        return load_elf(self, path)

    # ---- registers -----------------------------------------------------------------------------
    def pc(self) -> int:
        return self.uc.reg_read(UC_ARM_REG_PC)

    def reg(self, r: int) -> int:
        return self.uc.reg_read(r)

    # ---- virtual time --------------------------------------------------------------------------
    def sysclk_hz(self) -> int:
        if self.rcc is not None:
            return int(self.rcc.sysclk_hz()) or self._reset_hz
        return self._reset_hz

    def _insn_ps(self, insns: int) -> int:
        return self._ps_base + (insns - self._insn_base) * self.cpi * PS_PER_S // self._hz

    def sync(self) -> None:
        """Advance the clock to the instructions executed so far (firing due events)."""
        insns = self.vc.insns
        if insns == self._synced[0] and self.clock.now == self._synced[1] and not self._hz_dirty:
            return      # nothing executed, nothing moved since the last sync (back-to-back accesses)
        t = self._ps_base + (insns - self._insn_base) * self.cpi * PS_PER_S // self._hz
        if t > self.clock.now:
            nxt = self.clock.next_event_time()
            self.clock.advance_to(t)
            if nxt is not None and nxt <= t:
                self._hz_dirty = True       # an event may have switched SYSCLK (PLL ready, SWS)
        if self._hz_dirty:
            # SYSCLK is recomputed only after RCC writes or events: rcc.sysclk_hz() is not free.
            self._hz_dirty = False
            hz = self.sysclk_hz()
            if hz != self._hz:
                self._rebase(hz)
                return
        if self.clock.now > t:
            self._rebase()
        self._synced = (insns, self.clock.now)

    def _rebase(self, hz=None) -> None:
        self._cyc_base = self.cycles()
        self._ps_base = self.clock.now
        self._insn_base = self.vc.insns
        if hz is not None:
            self._hz = hz

    def cycles(self) -> int:
        return self._cyc_base + (self.clock.now - self._ps_base) * self._hz // PS_PER_S

    def _refresh_deadline(self) -> None:
        """After an MMIO access: recompute the deadline only if something it depends on changed."""
        nxt = self.clock.next_event_time()
        if nxt != self._dl_key or self._pending or self._reset_req or self._ps_base != self._dl_base:
            self._set_deadline(nxt)

    def _set_deadline(self, target=-1) -> None:
        """Stop at the first block boundary at or after the next event (or the slice limit)."""
        if target == -1:
            target = self.clock.next_event_time()
        self._dl_key, self._dl_base = target, self._ps_base
        if self._limit_ps is not None and (target is None or self._limit_ps < target):
            target = self._limit_ps
        insns = self.vc.insns
        if self._reset_req or (self._pending and self._can_take_exception()):
            d = insns
        elif target is None:
            d = insns + MAX_SLICE_INSNS
        elif target <= self._ps_base:
            d = insns
        else:
            per = self.cpi * PS_PER_S
            d = self._insn_base + (-(-(target - self._ps_base) * self._hz // per))
            d = min(max(d, insns), insns + MAX_SLICE_INSNS)
        self.vc.deadline = d

    def pend(self, exc: int) -> None:
        self._pending.add(exc)
        self.vc.deadline = 0  # deliver at the next block boundary

    def _can_take_exception(self) -> bool:
        return exceptions.can_take(self)

    # ---- MMIO dispatch -------------------------------------------------------------------------
    def _route(self, addr: int):
        """(model, offset, is_poll_register) for an address, cached: the bus is searched once."""
        hit = self._route_cache.get(addr)
        if hit is None:
            p = self.bus.find(addr)
            if p is None:
                hit = (None, addr, False)
            else:
                hit = (p, addr - p.base, ((addr - p.base) & ~3) in self._poll_offsets.get(id(p), ()))
            self._route_cache[addr] = hit
        return hit

    def _mmio_read(self, uc, offset, size, base):
        try:
            return self._read(base + offset, size)
        except Exception as e:  # re-raised by run() after the engine stopped (strict mode, bugs)
            self._hook_exc = self._hook_exc or e
            uc.emu_stop()
            return 0

    def _mmio_write(self, uc, offset, size, value, base):
        try:
            self._write(base + offset, size, value)
        except Exception as e:
            self._hook_exc = self._hook_exc or e
            uc.emu_stop()

    def _read(self, addr, size):
        self.sync()
        p, off, poll = self._route(addr)
        if p is None:
            self.bus.report(None, "read", addr, size)
            self._poll_addr = None
            return 0
        v = p.bus_read(off, size)
        if poll:
            insns, gap_from = self.vc.insns, self._poll_insns
            self._poll_insns = insns
            if addr == self._poll_addr and v == self._poll_val and insns - gap_from < POLL_GAP:
                self._poll_count += 1
                if self._poll_count >= POLL_K and self._idle(p, off):
                    v = p.bus_read(off, size)
                    self._poll_count = 0
            else:
                self._poll_addr, self._poll_val, self._poll_count, self._poll_timed = addr, v, 1, False
        elif getattr(p, "TIME_SOURCE", False):   # a tick read between status reads: still a wait, but one
            self._poll_timed = True              # with a timeout of its own, never a hang
        else:
            self._poll_addr = None
        if self.trace:
            self.trace(f"{self.clock.now / 1e6:14.3f} us PC=0x{self.pc():08X} R {self._name(p, off)} -> 0x{v:X}")
        self._refresh_deadline()
        return v

    def _write(self, addr, size, value):
        self.sync()
        self._poll_addr = None
        p, off, _ = self._route(addr)
        if self.trace:
            self.trace(f"{self.clock.now / 1e6:14.3f} us PC=0x{self.pc():08X} W {self._name(p, off)} <- 0x{value:X}")
        if p is None:
            self.bus.report(None, "write", addr, size, value)
        else:
            p.bus_write(off, size, value)
            if p is self.rcc:
                self._hz_dirty = True
        self.sync()
        self._refresh_deadline()

    @staticmethod
    def _name(p, off) -> str:
        if p is None:
            return f"0x{off:08X}"
        r = p._by_off.get(off & ~3)
        return f"{p.name}.{r.name}" if r is not None else f"{p.name}+0x{off:03X}"

    def _idle(self, p, off) -> bool:
        """Guest is polling a status register: jump to the next event. True if time moved."""
        if self._until_fn is not None and self._until_fn():
            self._until_hit = True      # the host's condition holds: stop here (status read: safe)
            self.uc.emu_stop()
            return False
        if self._wall_deadline is not None and time.monotonic() >= self._wall_deadline:
            self._timed_out = True      # an idle guest warping from event to event never returns
            self.uc.emu_stop()          # to the run loop on its own: --timeout must still hold
            return False
        if self._warp():
            return True
        if self._wait_host():
            return True
        if self._poll_count >= self.hang_polls and not self._poll_timed:
            self._hang = (f"firmware polls {self._name(p, off)} (value 0x{self._poll_val:X}) "
                          f"and no event or input is pending")
            self.uc.emu_stop()  # safe: a status read has no side effects (trap 0.4d)
        return False

    def warp(self) -> bool:
        """For models that see the guest waiting on them (repeated status commands): jump to the next event."""
        return self._warp()

    def _warp(self) -> bool:
        nxt = self.clock.next_event_time()
        if self._limit_ps is not None and (nxt is None or nxt > self._limit_ps):
            nxt = self._limit_ps if self._limit_ps > self.clock.now else None
        if nxt is None:
            return False
        if self.idle_sources and self._pace(nxt):
            return True
        self.clock.advance_to(nxt)
        self._hz_dirty = True
        self.sync()
        return True

    def _pace(self, nxt: int) -> bool:
        """With a host on a real wire (pty, TCP), an idle board must not run ahead of the wall clock:
        its silence timeouts would fire before the host's next bytes could arrive, and it would burn
        the host's CPU doing so. Waits for host input in real time until the wall clock reaches
        `nxt` (less the allowed LEAD); True if it moved the clock (input came, or time passed)."""
        wall = time.monotonic()
        anchor = self._rt_anchor
        if anchor is None or self.clock.now < anchor[1] + int((wall - anchor[0]) * PS_PER_S):
            anchor = self._rt_anchor = (wall, self.clock.now)   # behind the wall clock: forgive
        due = anchor[0] + (nxt - anchor[1]) / PS_PER_S - RT_LEAD_S
        if due <= wall:
            return False
        got = any(src(min(due - wall, 0.05)) for src in self.idle_sources)
        now = anchor[1] + int((time.monotonic() - anchor[0]) * PS_PER_S)
        if now > self.clock.now:
            self.clock.advance_to(min(now, nxt))
        self._hz_dirty = True
        self.sync()
        if not got and self._wall_deadline is not None and time.monotonic() >= self._wall_deadline:
            self._timed_out = True
            self.uc.emu_stop()
            return False
        return True

    def _wait_host(self) -> bool:
        """Nothing scheduled: block on host inputs in real time (interactive channels)."""
        if not self.idle_sources:
            return False
        while True:
            t0 = time.monotonic()
            got = any(src(0.05) for src in self.idle_sources)
            # Real waiting time passes on the board too (docs/emulator-notes.md, virtual time).
            self.clock.advance_to(self.clock.now + int((time.monotonic() - t0) * PS_PER_S))
            self._hz_dirty = True
            self.sync()
            if got or self.clock.next_event_time() is not None:
                return True
            if self._wall_deadline is not None and time.monotonic() >= self._wall_deadline:
                self._timed_out = True
                self.uc.emu_stop()
                return False

    # ---- unicorn hooks -------------------------------------------------------------------------
    def _on_intr(self, uc, intno, ud):
        self._intr = intno
        uc.emu_stop()

    def _on_bad_access(self, uc, access, addr, size, value, ud):
        if access == UC_MEM_WRITE_PROT and self.flash.contains(addr, size) and self.flash_ctl is not None:
            self.sync()
            if self.flash_ctl.bus_write_array(addr, size, value):
                self._set_deadline()
                return True  # the store is consumed by the controller, not retried (docs/emulator-notes.md)
        kind = ("fetch" if access in (UC_MEM_FETCH_PROT, UC_MEM_FETCH_UNMAPPED) else
                "write" if access in (UC_MEM_WRITE_PROT, UC_MEM_WRITE_UNMAPPED) else "read")
        if self._bad is None:
            self._bad = (kind, addr, size, None)
        return False

    def bus_fault(self, addr: int, cause: str, write: bool = False) -> None:
        """Called by a model during an access: the access gets a bus error (stops the run)."""
        if self._bad is None:
            self._bad = ("write" if write else "read", addr, 4, cause)
        self.uc.emu_stop()

    def explain_address(self, addr: int, access: str) -> str:
        for fn in self._fault_explainers:
            text = fn(addr, access)
            if text:
                return text
        if access == "fetch" and addr == 0xFFFFFFFE and self.read(self.boot_address, 8) == b"\xff" * 8:
            return (f"the vector table at 0x{self.boot_address:08X} is erased: no firmware in flash "
                    f"(load one with --elf or flash it)")
        r = memory.region_at(self.regions, addr)
        if r is not None and r.kind in ("flash", "rom") and access == "write":
            return f"{access} to read-only {r.name} at 0x{addr:08X}"
        if r is not None:
            return f"{access} at 0x{addr:08X} blocked in {r.name}"
        return f"{access} at 0x{addr:08X}: no memory answers there"

    # ---- reset and run -------------------------------------------------------------------------
    def _clear_stop(self):
        self._intr = None
        self._hook_exc = None
        self._until_fn = None
        self._until_hit = False
        self._bad = None
        self._hang = None
        self._timed_out = False
        self._reset_req = False
        self._limit_ps = None
        self._wall_deadline = None
        self._rt_anchor = None
        self._poll_addr, self._poll_val, self._poll_count = None, None, 0
        self._poll_insns = 0
        self._poll_timed = False

    def reset(self) -> None:
        """Reset as silicon: models to reset values, MSP and PC from the vector table."""
        for p in self.bus.peripherals:
            p.reset()
        self._pending.clear()
        self._hz_dirty = True
        self.sync()
        self._rebase()
        exceptions.cpu_reset(self, self.boot_address)

    def request_reset(self) -> None:
        """AIRCR.SYSRESETREQ: reset once the current slice stops."""
        self._reset_req = True
        self.vc.deadline = 0

    def run(self, timeout_s=None, until=None, max_virtual_s=None) -> RunResult:
        from .runloop import run
        return run(self, timeout_s, until, max_virtual_s)

    def call(self, func: int, args=(), lr_stub: int = None, sp: int = None, timeout_s=10.0,
             max_virtual_s=None) -> RunResult:
        """Call a guest function (AAPCS): R0-R3 = args, LR = stub|1, run until PC == stub."""
        from unicorn.arm_const import UC_ARM_REG_LR, UC_ARM_REG_SP
        if lr_stub is None:
            raise ValueError("call() needs lr_stub: an address holding a BKPT or never executed")
        for i, a in enumerate(args):
            self.uc.reg_write(UC_ARM_REG_R0 + i, a & 0xFFFFFFFF)
        self.uc.reg_write(UC_ARM_REG_LR, lr_stub | 1)
        if sp is not None:
            self.uc.reg_write(UC_ARM_REG_SP, sp)
        self.uc.reg_write(UC_ARM_REG_PC, func | 1)
        res = self.run(timeout_s=timeout_s, until=lr_stub & ~1, max_virtual_s=max_virtual_s)
        if res.reason == "bkpt" and res.pc == lr_stub & ~1:
            res.reason = "until"
        return res

    def close(self) -> None:
        if self.state is not None:
            self.state.save()
            self.state.close()
