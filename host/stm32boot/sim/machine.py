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
    m.warp()                             jump to the next event (a model that sees the guest waiting on it)
    m.run_state                          the current run's limits and stop flags (runloop.RunState);
                                         m.run_state.interrupt() stops a run from a signal handler
    m.pend(exc_num)                      make an exception pending (SysTick = 15)
    m.cycles()                           virtual CPU cycles (DWT.CYCCNT, SysTick)
    m.sync()                             bring the clock up to the executed instructions
    m.fast_io                            C-side stable reads, posted writes, flash store guard, lazy events
                                         (default True; False: every access and event through Python)
    m.store_guarded(size)                True when the C side puts back a guest flash store's bytes itself
    m.flash_collect(on)                  the FLASH model arms the C side's flash-word collection (vclock.h);
                                         m.collect_flash_words = False: never (what the tests compare with)
    m.slices                             how many times the core was started (each stop costs host time)

Flash stores: a guest store into internal flash reaches `flash_ctl.bus_write_array(addr, size,
value)` (the FLASH controller model, found by that method when added); True = accepted.
Time: CPU time = instructions x cpi / SYSCLK (rcc.sysclk_hz(), else the chip's reset clock), counted exactly by
the C block hook in native/vclock.c. Idle polling and WFI jump to the next event (idle.py). The run
loop (runloop.py) owns the run's state; the machine's hooks report stops to it.
"""
from __future__ import annotations

from unicorn import (UC_ARCH_ARM, UC_HOOK_INTR, UC_HOOK_MEM_PROT, UC_HOOK_MEM_UNMAPPED, UC_MEM_FETCH_PROT,
                     UC_MEM_FETCH_UNMAPPED, UC_MEM_WRITE_PROT, UC_MEM_WRITE_UNMAPPED, UC_MODE_THUMB, UC_PROT_ALL, Uc)
from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R0, UC_CPU_ARM_CORTEX_M7

from . import exceptions, memory, vclock
from .clock import PS_PER_S, Clock
from .idle import Idle
from .regs import Bus

from .flash_stores import FlashStores
from .mmio import MmioDispatch
from .runloop import RunResult, RunState, run

DEFAULT_POLL_REGS = frozenset({"SR", "ISR"})
MAX_SLICE_INSNS = 20_000_000  # slices end at least this often for timeouts and host predicates
NEVER = (1 << 64) - 1         # no event: the C side's UINT64_MAX

class Machine(FlashStores, MmioDispatch):
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
        self._trace = None           # callable(str) for --trace (the property)
        self._tsrc = (0, 0)
        self._fault_explainers: list = []
        self._loaders: list = []
        self._route_cache: dict[int, tuple] = {}
        self._poll_offsets: dict[int, frozenset] = {}
        self._stable_offsets: dict[int, frozenset] = {}
        self._peek_w_offsets: dict[int, frozenset] = {}
        # The models' posted registers (vclock.post_allow): (address, drop_lo, drop_hi, clr_addr, clr_mask,
        # owner), owner the model's id for a POSTED_SWITCHED register (posted only while allow_posting says
        # so), else None.
        self._posted: list[tuple] = []
        self._post_on: dict[int, bool] = {}   # id(model): its POSTED_SWITCHED registers are posted now
        self.slices = 0                  # times the core was started (runloop; each stop costs host time)
        self._fast_io = True             # stable reads answered, writes posted, stores guarded in C (fast_io)
        self.pending: set[int] = set()   # exception numbers waiting for delivery
        self._sink_owner = None          # the model whose data-register writes the C side collects
        self.collect_flash_words = True  # flash_collect may arm the C side (False: what the tests compare with)
        self._reset_req = False

        self.uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
        self.uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M7)  # NOT UC_MODE_MCLASS (docs/emulator-notes.md)
        flash_mem = board.memory("flash")
        flash_buf = state.blob("flash", flash_mem.size) if state is not None else \
            bytearray(b"\xff" * flash_mem.size)
        self.regions = memory.build_regions(board, chip, flash_buf)
        memory.map_regions(self.uc, self.regions)
        self.flash = next(r for r in self.regions if r.kind == "flash")
        self.vc = vclock.attach(self.uc)
        self.vc.fw_slide = MAX_SLICE_INSNS
        self._store_guard = False        # the C side guards flash stores (store_guarded; fast_io)
        vclock.map_mmio(self.uc, self.vc, self, chip.PERIPH_BLOCKS)
        vclock.time_base(self.vc, 0, 0, chip.RESET_SYSCLK_HZ, cpi)
        self.uc.hook_add(UC_HOOK_INTR, self._on_intr)
        vclock.hook_mem_events(self.uc, self.vc, self, UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT)
        self._ps_base = 0
        self._insn_base = 0
        self._cyc_base = 0
        self._reset_hz = chip.RESET_SYSCLK_HZ
        self._hz = self._reset_hz
        self._hz_dirty = True
        self._synced_insns = self._synced_now = None
        self._dl_key = self._dl_base = self._dl_lazy = None
        self.run_state = RunState(self.uc)
        self.idle = Idle(self)
        exceptions.add_core_models(self)

    @property
    def idle_sources(self) -> list:
        return self.idle.sources

    @property
    def hang_polls(self) -> int:
        return self.idle.hang_polls

    @hang_polls.setter
    def hang_polls(self, n: int) -> None:
        self.idle.hang_polls = n

    # ---- models and memory -------------------------------------------------------------------
    def add(self, p):
        p.board = self
        self.bus.add(p)
        self._route_cache.clear()
        names = {r.name for r in p.REGS}
        poll = getattr(p, "POLL_REGS", DEFAULT_POLL_REGS) & names
        self._poll_offsets[id(p)] = frozenset(p.reg(n).offset for n in poll)
        self._stable_offsets[id(p)] = frozenset(p.reg(n).offset for n in getattr(p, "STABLE_REGS", ()))
        self._peek_w_offsets[id(p)] = frozenset(p.reg(n).offset for n in getattr(p, "PEEK_AFTER_WRITES", ()))
        clears = getattr(p, "POSTED_CLEARS", {})
        for attr, owner in (("POSTED_REGS", None), ("POSTED_SWITCHED", id(p))):
            regs = getattr(p, attr, ())
            for n in sorted(regs):
                clr, mask = clears.get(n, (None, 0))
                self._posted.append((p.base + p.reg(n).offset, *self._post_drops(p, regs, n),
                                     p.base + p.reg(clr).offset if clr else 0, mask, owner))
        self._io_paths()
        attr = p.name.lower()
        if attr.isidentifier() and not hasattr(type(self), attr) and attr not in self.__dict__:
            setattr(self, attr, p)
        if hasattr(p, "bus_write_array"):
            self.flash_ctl = p
        if hasattr(p, "sysclk_hz"):
            self.rcc = p
        return p

    @staticmethod
    def _post_drops(p, regs, name: str) -> tuple[int, int]:
        """The addresses of the stable reads a posted write to `name` can change: those its model lists for
        it (POSTED_REGS as a mapping: register -> the STABLE_REGS its write may change, besides the flags
        POSTED_CLEARS says it clears: register -> (stable register, mask)), else all of the model's (a set
        of names)."""
        if not isinstance(regs, dict):
            return p.base, p.base + p.SIZE
        offs = [p.reg(n).offset for n in regs[name]]
        return (p.base + min(offs), p.base + max(offs) + 4) if offs else (0, 0)

    def allow_posting(self, p, on: bool) -> None:
        """A model says whether writes to its POSTED_SWITCHED registers may be posted from now on (they
        change nothing but its registers only in some of its states). Called from the model's own code,
        so no write of them is held in C at this moment."""
        if self._post_on.get(id(p), False) == on:
            return
        self._post_on[id(p)] = on
        if self._fast_io and self._trace is None:
            for i, entry in enumerate(self._posted):
                if entry[5] == id(p):
                    vclock.post_switch(self.vc, i, on)

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
        # A debugger's write over code that ran (a loader loaded where a RAM-resident bootloader ran) must
        # not leave unicorn's stale translation of the old code: silicon has no such cache.
        self.uc.ctl_remove_cache(addr, addr + len(data))
        if self.flash.contains(addr, len(data)):
            self.flash_changed(addr, addr + len(data))

    def read32(self, addr: int) -> int:
        return int.from_bytes(self.uc.mem_read(addr, 4), "little")

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

    def time_now(self) -> int:
        """The virtual time the instructions executed so far reach (sync() moves the clock there)."""
        return max(self.clock.now, self._ps_base + (self.vc.insns - self._insn_base) * self.cpi * PS_PER_S // self._hz)

    def sync(self) -> None:
        """Advance the clock to the instructions executed so far (firing due events)."""
        insns = self.vc.insns
        clock = self.clock
        if insns == self._synced_insns and clock.now == self._synced_now and not self._hz_dirty:
            return      # nothing executed, nothing moved since the last sync (back-to-back accesses)
        t = self._ps_base + (insns - self._insn_base) * self.cpi * PS_PER_S // self._hz
        if t > clock.now:
            nxt = clock.next_event_time()
            if nxt is not None and nxt <= t:
                clock.advance_to(t)
                self._hz_dirty = True       # an event may have switched SYSCLK (PLL ready, SWS)
            else:
                clock.now = t               # nothing due on the way (what advance_to would do)
        if self._hz_dirty:
            # SYSCLK is recomputed only after RCC writes or events: rcc.sysclk_hz() is not free.
            self._hz_dirty = False
            hz = self.sysclk_hz()
            if hz != self._hz:
                self._rebase(hz)
                return
        if clock.now > t:
            self._rebase()
        self._synced_insns, self._synced_now = insns, clock.now

    def _rebase(self, hz=None) -> None:
        self._cyc_base = self.cycles()
        self._ps_base = self.clock.now
        self._insn_base = self.vc.insns
        if hz is not None:
            self._hz = hz
        vclock.time_base(self.vc, self._insn_base, self._cyc_base, self._hz, self.cpi)

    def time_source(self, addr: int, offset: int) -> None:
        """A cycle counter model (DWT.CYCCNT) whose 32-bit reads at `addr` show cycles() + offset: the C
        side answers them without a Python call while no event is due (addr 0: it stopped counting)."""
        vclock.time_source(self.vc, 0 if self._trace else addr, offset)
        self._tsrc = (addr, offset)

    @property
    def trace(self):
        return self._trace

    @trace.setter
    def trace(self, fn) -> None:
        """callable(str) for --trace: every register access is shown, none answered in C."""
        self._trace = fn
        self._io_paths()
        if fn is not None:
            vclock.time_source(self.vc, 0, 0)
            self.sink_arm(None, 0, 0)
        elif self._tsrc[0]:
            vclock.time_source(self.vc, *self._tsrc)

    @property
    def fast_io(self) -> bool:
        """Stable-register reads answered and POSTED_REGS writes held by the C side (never while tracing),
        flash stores guarded there (store_guarded), lazy events not stopping the core (clock.py). False:
        every such access goes to its model at once, the FLASH model guards its own array and every event
        stops the core (what the tests compare with)."""
        return self._fast_io

    @fast_io.setter
    def fast_io(self, on: bool) -> None:
        self._fast_io = bool(on)
        self.clock.lazy_ok = self._fast_io
        self._io_paths()

    def _io_paths(self) -> None:
        self.post_deliver()
        vclock.rc_clear(self.vc)
        on = self._fast_io and self._trace is None
        vclock.post_allow(self.vc, [(*entry[:5], entry[5] is None or self._post_on.get(entry[5], False))
                                    for entry in self._posted] if on else ())
        self.guard_settle()
        self._store_guard = vclock.guard_array(self.vc, self.flash if self._fast_io else None, UC_MEM_WRITE_PROT)
        self.vc.fw_on = 0
        update = getattr(self.flash_ctl, "collect_update", None)
        if update is not None:
            update()

    def cycles(self) -> int:
        return self._cyc_base + (self.clock.now - self._ps_base) * self._hz // PS_PER_S

    def _refresh_deadline(self) -> None:
        """After an MMIO access: recompute the deadline only if something it depends on changed."""
        clock = self.clock
        nxt = clock.next_strict_time()
        lz = clock.next_lazy_time() if clock._lazy else None
        if nxt != self._dl_key or lz != self._dl_lazy or self.pending or self._reset_req or \
                self._ps_base != self._dl_base:
            self.set_deadline(nxt, lz)

    def _insn_for(self, target: int) -> int:
        """The first instruction count at or after virtual time `target` (0: already past)."""
        if target <= self._ps_base:
            return 0
        return self._insn_base + (-(-(target - self._ps_base) * self._hz // (self.cpi * PS_PER_S)))

    def _insn_at(self, target: int, insns: int) -> int:
        """The first instruction count at or after virtual time `target` (at most one slice away)."""
        return min(max(self._insn_for(target), insns), insns + MAX_SLICE_INSNS)

    def set_deadline(self, target=-1, lazy=-1) -> None:
        """Stop at the first block boundary at or after the next event the core must stop for (a lazy
        one need not stop it: clock.py), or the slice limit. vc.io_deadline: the next event of any kind,
        until which the C side may answer stable reads and post writes."""
        clock = self.clock
        if target == -1:
            target = clock.next_strict_time()
        if lazy == -1:
            lazy = clock.next_lazy_time() if clock._lazy else None
        self._dl_key, self._dl_lazy, self._dl_base = target, lazy, self._ps_base
        limit = self.run_state.limit_ps
        if limit is not None and (target is None or limit < target):
            target = limit
        vc = self.vc
        insns = vc.insns
        # The deadlines in instructions from the events alone, for the C side to set again at a flash store
        # it collects (vclock.h, flash-word collection): what this method would set there.
        d0 = NEVER if target is None else self._insn_for(target)
        l0 = NEVER if lazy is None else self._insn_for(lazy)
        if self._reset_req or (self.pending and exceptions.can_take(self)) or \
                (self._store_guard and vc.guard_flush_hi):
            d = insns
            vc.fw_ok = 0
        else:
            d = min(max(d0, insns), insns + MAX_SLICE_INSNS)
            vc.fw_ok = 1
        vc.fw_d0, vc.fw_l0 = d0, l0
        vc.deadline = d
        vc.io_deadline = d if lazy is None else min(d, max(l0, insns), insns + MAX_SLICE_INSNS)

    def clock_moved(self) -> None:
        """The clock was moved by something other than instructions (a warp, a wait): an event may have
        changed SYSCLK; bring the instruction base up to it."""
        self._hz_dirty = True
        self.sync()

    def pend(self, exc: int) -> None:
        self.pending.add(exc)
        self.vc.deadline = self.vc.io_deadline = 0  # deliver at the next block boundary

    def deliver_exception(self) -> None:
        """Enter the highest-priority pending exception if the core can take it now."""
        if self.pending and exceptions.can_take(self):
            exc = min(self.pending)  # lower number = higher fixed priority; enough for SysTick/SVC
            self.pending.discard(exc)
            exceptions.enter(self, exc, self.pc())

    def warp(self) -> bool:
        """For models that see the guest waiting on them (repeated status commands): jump to the next event."""
        return self.idle.warp()

    # ---- unicorn hooks -------------------------------------------------------------------------
    def _on_intr(self, uc, intno, ud):
        self.run_state.cpu_exception(intno)

    def _on_bad_access(self, uc, access, addr, size, value, ud):
        if self.vc.post_n:
            self.post_deliver()
        if access == UC_MEM_WRITE_PROT and self.flash.contains(addr, size) and self.flash_ctl is not None:
            self.sync()
            fc = self.flash_ctl
            if fc.bus_write_array(addr, size, value):
                self.set_deadline()
                self._rc_after_store(fc)
                return True  # the store is consumed by the controller, not retried (docs/emulator-notes.md)
        kind = ("fetch" if access in (UC_MEM_FETCH_PROT, UC_MEM_FETCH_UNMAPPED) else
                "write" if access in (UC_MEM_WRITE_PROT, UC_MEM_WRITE_UNMAPPED) else "read")
        self.run_state.bad_access(kind, addr, size, stop=False)   # unicorn stops on the False
        return False

    def bus_fault(self, addr: int, cause: str, write: bool = False) -> None:
        """Called by a model during an access: the access gets a bus error (stops the run)."""
        self.run_state.bad_access("write" if write else "read", addr, 4, cause)

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
    def reset(self) -> None:
        """Reset as silicon: models to reset values, MSP and PC from the vector table."""
        for p in self.bus.peripherals:
            p.reset()
        self.pending.clear()
        self._reset_req = False     # this reset is the one requested
        self._hz_dirty = True
        self.sync()
        self._rebase()
        exceptions.cpu_reset(self, self.boot_address)

    def request_reset(self) -> None:
        """AIRCR.SYSRESETREQ: reset once the current slice stops."""
        self._reset_req = True
        self.vc.deadline = self.vc.io_deadline = 0

    def take_reset_request(self) -> bool:
        """True once per reset requested (the run loop then resets the machine)."""
        req, self._reset_req = self._reset_req, False
        return req

    def run(self, timeout_s=None, until=None, max_virtual_s=None) -> RunResult:
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
