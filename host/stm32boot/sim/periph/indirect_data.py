"""The indirect-mode data path QUADSPI (RM0385, QUADSPI chapter) and OCTOSPI (RM0468, OCTOSPI chapter)
share: a 32-byte FIFO that an indirect read fills from the bytes the device returned, and a data register
whose stores collect the bytes of an indirect write until the count the command asked for is complete,
which starts the exchange with the device.

While an indirect write waits for more than one byte, a store to DR only appends to the bytes the
controller will shift out: nothing the guest can observe changes until the last byte or until it looks at
another register. So the model lets the machine's C side collect those stores (native/vclock.h, write
sink); the machine hands them over, in order, before any other register access, and the last byte always
comes through the model itself. Meanwhile SR cannot change without a Python-side access either (flags are
cleared through FCR, the FIFO level is that of reads, no transfer event is pending), so the C side answers
its reads with the value it had when the sink was armed, and the model arms again after every access.

A model using this has `fifo`, `pending` (read bytes not yet in the FIFO), `wbuf`, `wneed`, `active`,
DR_OFFSET, SR_OFFSET and: _indirect_write(), _enabled(), _trigger(), _start(read), _write_complete().
"""
from __future__ import annotations

FIFO = 32


class IndirectData:
    _sink_armed = False

    def _refill(self) -> None:
        n = FIFO - len(self.fifo)
        if n > 0 and self.pending:
            self.fifo += self.pending[:n]
            del self.pending[:n]

    def _fifo_read(self, size: int) -> int:
        """A DR read in indirect read mode: `size` bytes off the FIFO, first byte lowest."""
        out = bytes(self.fifo[:size])
        del self.fifo[:size]
        self._refill()
        return int.from_bytes(out.ljust(size, b"\0"), "little")

    def _dr_store(self, size: int, value: int) -> None:
        """A DR store: the first one starts an indirect write whose trigger is DR; bytes beyond the
        command's count are dropped; the last one sends the data (_write_complete)."""
        if not self._indirect_write():
            return
        if not self.active:
            if not self._enabled() or self._trigger() != "DR":
                return
            self._start(read=False)
            if not self.active:
                return
        data = value.to_bytes(4, "little")[:size]
        self.wbuf += data[:self.wneed]
        self.wneed -= min(size, self.wneed)
        if self.wneed == 0:
            self._write_complete()

    # ---- the C side's write sink -------------------------------------------------------------------
    def sink_take(self, data: bytes) -> None:
        """Stores the C side collected (machine.sink_arm); written with the clock gated they are lost."""
        if self.clocked():
            self.wbuf += data
            self.wneed -= len(data)

    def _sink_update(self) -> None:
        """After a Python-side access: arm for the bytes still wanted but the last, or disarm."""
        arm = getattr(self.board, "sink_arm", None)
        if arm is None:
            return
        if self.active and self.wneed > 1 and self._indirect_write() and self.clocked():
            arm(self, self.base + self.DR_OFFSET, self.wneed - 1,
                (self.base + self.SR_OFFSET, self.bus_read(self.SR_OFFSET, 4)))
            self._sink_armed = True
        elif self._sink_armed:
            arm(self, 0, 0)
            self._sink_armed = False
