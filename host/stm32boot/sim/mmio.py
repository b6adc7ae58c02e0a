"""The machine's bus side: a guest load or store to a peripheral block reaches its model (routed once per
address, cached), with the C side's pending work (posted writes, collected stores of a write sink) applied
first so every model sees every access in order; then idle detection and the next deadline. A mixin of
sim/machine.py's Machine (its state: vc, clock, bus, idle, the route cache, the sink owner)."""
from __future__ import annotations

from . import vclock
from .vclock import IDLE_NONE

_rc_put = vclock.lib.vclock_rc_put if vclock.lib is not None else None
_rc_drop = vclock.lib.vclock_rc_drop if vclock.lib is not None else None

POLLED, TIMER = 1, 2          # what a register read means to idle detection (MmioDispatch._route)
STABLE = 4                    # a model's STABLE_REGS: the C side may answer its reads (vclock.rc_put)
PEEK = 8                      # its model tells all their values after any access (stable_peek): all are put
PEEK_W = 16                   # ...and after a write to this register (the model's PEEK_AFTER_WRITES) too


class MmioDispatch:
    # ---- MMIO dispatch -------------------------------------------------------------------------
    def _route(self, addr: int):
        """(model, offset, kind) for an address, cached: the bus is searched once. kind: POLLED (a status
        register idle polling watches), TIMER (a time source) or 0."""
        hit = self._route_cache.get(addr)
        if hit is None:
            p = self.bus.find(addr)
            if p is None:
                hit = (None, addr, 0)
            else:
                word = (addr - p.base) & ~3
                polled = word in self._poll_offsets.get(id(p), ())
                kind = POLLED if polled else TIMER if getattr(p, "TIME_SOURCE", False) else 0
                if vclock.is_native(self.vc):
                    if word in self._stable_offsets.get(id(p), ()) and kind != TIMER:
                        kind |= STABLE
                    if hasattr(p, "stable_peek"):
                        kind |= PEEK
                        if word in self._peek_w_offsets.get(id(p), ()):
                            kind |= PEEK_W
                hit = (p, addr - p.base, kind)
            self._route_cache[addr] = hit
        return hit

    def bus_access_read(self, addr, size):
        """A guest load from a peripheral block (vclock.map_mmio)."""
        try:
            return self._read(addr, size)
        except Exception as e:  # re-raised by run() after the engine stopped (strict mode, bugs)
            self.run_state.hook_error(e)
            return 0

    def bus_access_write(self, addr, size, value):
        """A guest store to a peripheral block (vclock.map_mmio)."""
        try:
            self._write(addr, size, value)
        except Exception as e:
            self.run_state.hook_error(e)

    def _read(self, addr, size):
        vc, clock = self.vc, self.clock
        fired = clock.fired
        if vc.post_n:
            self.post_deliver()
        if self._sink_owner is not None and vc.sink_len:
            self._sink_deliver()
        self.sync()
        p, off, kind = self._route_cache.get(addr) or self._route(addr)
        if p is None:
            self.bus.report(None, "read", addr, size)
            self.idle.other_access()
            return 0
        v = p.bus_read(off, size)
        if kind & POLLED:
            if self.idle.status_read(p, off, addr, v):
                v = p.bus_read(off, size)     # time moved: what the register shows now
        elif kind == TIMER:
            self.idle.time_read()
        else:
            vc.idle_addr = IDLE_NONE          # any other access ends a run of identical status reads
        trace = self._trace
        if trace:
            trace(f"{clock.now / 1e6:14.3f} us PC=0x{self.pc():08X} R {self.name(p, off)} -> 0x{v:X}")
        if vc.rc_n:
            # Stable reads the C side holds (vclock.rc_put) stay true until an event runs or their model is
            # accessed (a write anywhere: cleared in C). An event ran during this access: forget them all.
            if clock.fired != fired:
                vc.rc_n = 0
            else:
                _rc_drop(vc, p.base, p.base + p.SIZE)
        if kind & STABLE and self._fast_io and not trace:
            # Its model guarantees the value holds until the next event or the next access to it: the C
            # side answers the next reads (and counts them for idle detection) while no event is due.
            # (STABLE and PEEK are only ever set with the native clock: machine._route.) With PEEK, its
            # model's other stable registers too (the guest reads CR and SR in turns).
            if kind & PEEK:
                self._rc_fill(p)
            else:
                _rc_put(vc, addr, size, v, kind & POLLED)
        nxt = clock.next_strict_time()        # _refresh_deadline, inline: this runs on every read
        lz = clock.next_lazy_time() if clock._lazy else None
        if nxt != self._dl_key or lz != self._dl_lazy or self.pending or self._reset_req or \
                self._ps_base != self._dl_base:
            self.set_deadline(nxt, lz)
        return v

    def _write(self, addr, size, value):
        vc = self.vc
        if vc.post_n:
            self.post_deliver()
        owner = self._sink_owner
        if owner is not None and vc.sink_len:
            self._sink_deliver()
        self.sync()
        vc.idle_addr = IDLE_NONE
        p, off, kind = self._route_cache.get(addr) or self._route(addr)
        if self._trace:
            self.trace(f"{self.clock.now / 1e6:14.3f} us PC=0x{self.pc():08X} W {self.name(p, off)} <- 0x{value:X}")
        if p is None:
            self.bus.report(None, "write", addr, size, value)
        else:
            p.bus_write(off, size, value)
            if p is self.rcc:
                self._hz_dirty = True
            owner = self._sink_owner
            if owner is not None and p is not owner:
                owner._sink_update()   # e.g. its clock gated: what its status shows may change
        clock = self.clock
        if self._hz_dirty or clock.now != self._synced_now:
            self.sync()                       # (no instruction ran since the first: only these can move it)
        self._refresh_deadline()
        if kind & PEEK_W and self._fast_io and not self._trace:
            self._rc_fill(p)                  # (the C side forgot every stable read before this write)

    def _rc_fill(self, p) -> None:
        """After an access to `p` reached it: what its stable registers show now, for the C side to answer
        until the next event or the next access to `p` (or any write). Its model's stable_peek() gives
        them as a read would, without a read's side effects ((offset, value) pairs; one it cannot vouch
        for is left out)."""
        vc, polled, base = self.vc, self._poll_offsets[id(p)], p.base
        for off, v in p.stable_peek():
            _rc_put(vc, base + off, 4, v, off in polled)

    def model_accessed(self, p) -> None:
        """A guest access reached model `p` by another way than this dispatch (a memory window's slow
        path, sim/periph/ospi_window.py): the writes posted before it land first, and what the C side
        holds of `p`'s stable registers is forgotten (the access may change them: BUSY, a timeout)."""
        vc = self.vc
        if vc.post_n:
            self.post_deliver()
        if self._sink_owner is not None and vc.sink_len:
            self._sink_deliver()
        if vc.rc_n:
            _rc_drop(vc, p.base, p.base + p.SIZE)

    def post_deliver(self) -> None:
        """Apply the writes the C side posted (a model's POSTED_REGS), in order, before any other model code
        runs: none changes anything but its model's registers, nor depends on when it lands between two
        events (the C side posts only while no event is due), so applying them late is the same as at once."""
        if not getattr(self.vc, "post_n", 0):
            return
        for addr, size, value in vclock.post_take(self.vc):
            p, off, _ = self._route_cache.get(addr) or self._route(addr)
            p.bus_write(off, size, value)

    # ---- write sink (native/vclock.h, periph/indirect_data.py) -----------------------------------
    def sink_arm(self, owner, addr: int, limit: int, status=(0, 0)) -> None:
        """`owner` (a model) lets the C side collect the guest's stores to `addr`, `limit` bytes at most;
        it gets them through owner.sink_take(data) before the next register access of any model, so
        every model sees every store in order. Meanwhile 32-bit reads of its status register at
        status[0] show status[1] (it cannot change without a Python-side access, after which the owner
        arms again). limit 0 disarms. Not while tracing (each access is shown)."""
        if self._sink_owner is not None and self.vc.sink_len:
            self._sink_deliver()
        if limit <= 0 or self._trace or not vclock.is_native(self.vc):
            self._sink_owner = None
            vclock.sink_disarm(self.vc)
        else:
            self._sink_owner = owner
            vclock.sink_arm(self.vc, addr, limit, status)

    def _sink_deliver(self) -> None:
        data = vclock.sink_take(self.vc)
        self.idle.other_access()        # stores between status reads: the guest was not idle
        self._sink_owner.sink_take(data)

    @staticmethod
    def name(p, off) -> str:
        """Model.REGISTER (or model+offset) for messages."""
        if p is None:
            return f"0x{off:08X}"
        r = p._by_off.get(off & ~3)
        return f"{p.name}.{r.name}" if r is not None else f"{p.name}+0x{off:03X}"
