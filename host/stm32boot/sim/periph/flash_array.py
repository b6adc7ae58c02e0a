"""What the embedded-flash controller models of both families share (sim/periph/flash.py for the H7, RM0468
FLASH chapter; sim/f7/flash.py for the F7, RM0385 §3). The two controllers are different IPs (register maps,
program unit, errors); the same on both are the unlock keys (KEY1/KEY2 into KEYR, OPTKEY1/OPTKEY2 into
OPTKEYR, and a wrong value locks until the next reset: RM0385 §3.5.1, RM0468 FLASH unlock sequence) and the
model's own plumbing: notes, the busy period on the virtual clock, the power-cut hook, and the guard against
unicorn storing into the mapped array after the write-protect hook took the store.

A family model sets `array_base` (bus address of the array), `BUSY_BITS` (its SR bits set from the start of an
operation to its end) and provides `memory`, `_end_bits()` (SR bits an operation's end sets),
`_stall_fetching_cpu()` (code running from the single bank stops until the operation ends) and
`_wrong_key()` (what a wrong key does besides locking).
"""
from __future__ import annotations

from ..regs import Peripheral

KEY1, KEY2 = 0x45670123, 0xCDEF89AB
OPTKEY1, OPTKEY2 = 0x08192A3B, 0x4C5D6E7F


class FlashArrayModel(Peripheral):
    BUSY_BITS = 0
    array_base = 0

    @property
    def array_size(self) -> int:
        return len(self.memory)

    def _cancel_busy(self):
        ev = getattr(self, "_busy_ev", None)
        if ev is not None:
            ev.cancel()

    def _note(self, msg):
        self.reports.append(msg)
        warn = getattr(self.board, "warn", None)
        if warn is not None:
            warn(f"sim: FLASH: {msg}")

    def _sr(self, set_bits=0, clear_bits=0):
        self.set("SR", (self.get("SR") | set_bits) & ~clear_bits)

    # ---- unlock keys ---------------------------------------------------------------------------------
    def write_KEYR(self, old, new):
        self._key_write("key_state", new, (KEY1, KEY2), "CR", "LOCK")

    def write_OPTKEYR(self, old, new):
        self._key_write("optkey_state", new, (OPTKEY1, OPTKEY2), "OPTCR", "OPTLOCK")

    def _key_write(self, attr: str, value: int, keys: tuple[int, int], reg: str, lock: str):
        """One write into a key register; `attr` holds its sequence state (0: expect the first key, 1: the
        second, -1: locked until reset). The second key clears `reg`.`lock`; a wrong value sets it and
        keeps it set until reset, and the first wrong value goes to _wrong_key (the family's answer)."""
        state = getattr(self, attr)
        if state == 0 and value == keys[0]:
            setattr(self, attr, 1)
        elif state == 1 and value == keys[1]:
            setattr(self, attr, 0)
            self.set(reg, **{lock: 0})
        else:
            setattr(self, attr, -1)
            self.set(reg, **{lock: 1})
            if state != -1:
                self._wrong_key(reg, value)

    def _wrong_key(self, reg: str, value: int):
        pass

    # ---- an operation on the virtual clock --------------------------------------------------------
    def _busy(self, delay_ps, done, what):
        self._sr(self.BUSY_BITS)
        clk = getattr(self.board, "clock", None)
        if clk is None or delay_ps == 0:
            self._finish(done)
            return
        clk.device_busy_ps += delay_ps
        self._busy_ev = clk.after(delay_ps, lambda: self._finish(done), f"FLASH {what}")
        self._stall_fetching_cpu()

    def _finish(self, done):
        self._busy_ev = None
        done()
        self._sr(self._end_bits(), self.BUSY_BITS)

    def _changed(self, lo, hi):
        fc = getattr(self.board, "flash_changed", None)
        if fc is not None:
            fc(lo, hi)

    def _power_cut(self, kind, off, target, dur_ps) -> bool:
        """sim/powercut.py may end the power during this operation (True: it did; the array holds what
        the cut left, and nothing more happens)."""
        pc = getattr(self.board, "powercut", None)
        return pc is not None and pc.operation(self, "flash", kind, off, target, dur_ps)

    def _fill(self, off, size):
        """Erase: `size` bytes from array offset `off` read 0xFF."""
        self.memory[off:off + size] = b"\xff" * size
        self._model_wrote(off, size)
        self._changed(self.array_base + off, self.array_base + off + size)

    # ---- unicorn's store into the mapped array ------------------------------------------------------
    def _guard(self, addr, size):
        """unicorn 2.1.4 still performs a store into the mapped flash buffer after the write-protect hook
        returned True (measured with the machine's mem_map_ptr flash). Remember what the array holds per
        this model and put it back at the next event boundary, before later instruction blocks run."""
        clk = getattr(self.board, "clock", None)
        off = addr - self.array_base
        end = self.array_size
        if clk is None or not 0 <= off < end:
            return
        for a in range(off, min(off + size, end)):
            self._truth.setdefault(a, self.memory[a])
        if not self._guard_pending:
            self._guard_pending = True
            clk.after(1, self._restore, "FLASH store guard")   # 1 ps: the machine fires events after now

    def _restore(self):
        self._guard_pending = False
        truth, self._truth = self._truth, {}
        bad = [a for a, v in truth.items() if self.memory[a] != v]
        for a in bad:
            self.memory[a] = truth[a]
        if bad:
            self._changed(self.array_base + min(bad), self.array_base + max(bad) + 1)

    def _model_wrote(self, off, size):
        for a in [a for a in self._truth if off <= a < off + size]:
            self._truth[a] = self.memory[a]
