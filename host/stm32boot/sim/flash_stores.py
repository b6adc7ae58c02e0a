"""Guest stores into internal flash (how a guest programs it): the C side's store guard and flash-word
collection (native/vclock.h) joined to the FLASH controller model. A mixin of sim/machine.py's Machine
(its state: vc, uc, clock, flash, flash_ctl, state, the clock base and the C-side switches)."""
from __future__ import annotations

from unicorn import UC_MEM_WRITE_PROT

from . import vclock
from .clock import PS_PER_S

WORD_BYTES = 32               # a flash word the C side collects (VCLOCK_FW_SIZE)


class FlashStores:
    def store_guarded(self, size: int) -> bool:
        """True when the C side puts back what a guest store of `size` bytes into internal flash leaves in
        the array (unicorn 2.1.4 stores after the write-protect hook consumed it; vclock.h, store guard),
        before the next block or register access: the FLASH model then needs no guard of its own."""
        return self._store_guard and size <= 8

    def guard_settle(self) -> None:
        """After a slice: the flash stores the C side held go to the model, the guarded bytes back in place,
        and stale translations of them dropped."""
        if self.vc.fw_n:
            self.flash_flush()
        rng = vclock.guard_restore(self.vc)
        if rng is not None:
            self.uc.ctl_remove_cache(*rng)
            vclock.flush(self.vc)

    def flash_collect(self, on: bool) -> None:
        """The FLASH model says whether the C side may hold guest stores into the array and hand a whole flash
        word over in one call (vclock.h, flash-word collection): only while the model's state makes that
        exact, and only with the C store guard (fast_io) and no trace."""
        self.vc.fw_on = 1 if on and self._store_guard and self._trace is None and self.collect_flash_words else 0

    def flash_flush(self) -> None:
        """The flash stores the C side held, to the FLASH model one by one in order, each taken as it would
        have been at its own instruction count (clock, store, deadline): before another access, at the end of
        a slice, or when a store does not fit the word."""
        vc = self.vc
        stores, _ = vclock.fw_take(vc)
        self._flash_replay(stores)

    def _flash_replay(self, stores) -> None:
        vc = self.vc
        now = vc.insns
        try:
            for insns, value, addr, size in stores:
                vc.insns = insns
                self._on_bad_access(None, UC_MEM_WRITE_PROT, addr, size, value, None)
        finally:
            vc.insns = now

    def _on_flash_word(self) -> bool:
        """The C side collected a whole flash word, its last store now. Taken one by one, each store would
        have synced the clock (no event was due at any: the C side checks), changed only the model's write
        buffer until the last, and set the deadline the C side set again at each (vc.fw_d0): so one sync, the
        word, one deadline.
        When a sync at the first store would have rebased the clock (a move pending), one by one."""
        vc = self.vc
        stores, data = vclock.fw_take(vc)
        fc = self.flash_ctl
        first = stores[0][0]
        if self._hz_dirty or self.clock.now > self._ps_base + (first - self._insn_base) * self.cpi * PS_PER_S // \
                self._hz or not hasattr(fc, "bus_write_word"):
            self._flash_replay(stores[:-1])
            _, value, addr, size = stores[-1]
            return self._on_bad_access(None, UC_MEM_WRITE_PROT, addr, size, value, None)
        self.sync()
        fc.bus_write_word(stores[0][2] & ~(WORD_BYTES - 1), data, stores)
        self.set_deadline()
        self._rc_after_store(fc)
        return True

    def _rc_after_store(self, fc) -> None:
        """After a flash store: the controller's stable registers for the C side, as mmio._read does after a
        read (the driver polls its status next). Not while the clock is ahead of the instructions (a bus
        stall moved it): the next access that reaches Python rebases it there, and the C side's cycle
        counter must not be read before."""
        if self._store_guard and self._trace is None and hasattr(fc, "stable_peek") and \
                self.clock.now == self._synced_now and not self._hz_dirty:
            self._rc_fill(fc)

    def flash_changed(self, lo: int, hi: int) -> None:
        """Host side changed code memory: drop translated blocks (unicorn runs stale translations until its
        cache is flushed) and block counts. Nothing to drop where no block ever ran (data being programmed)."""
        if vclock.executed(self.vc, lo, hi):
            self.uc.ctl_remove_cache(lo, hi)
            vclock.flush(self.vc)
        if self.state is not None:   # durable now (state.py journal)
            self.state.wrote("flash", lo - self.flash.base, hi - lo)
