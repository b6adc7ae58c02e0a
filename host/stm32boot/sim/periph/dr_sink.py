"""The data register of an indirect write, filled without a Python call per store (QUADSPI, OCTOSPI).

While an indirect write waits for more than one byte, every guest store to DR only appends to the bytes
the controller will shift out: nothing the guest can observe changes until the last byte (which starts
the exchange with the device) or until the guest looks at another register. So the model lets the
machine's C side collect those stores (native/vclock.h, write sink); the machine hands them over, in
order, before any other register access, and the last byte always comes through the model itself.
A model using this has `wbuf`, `wneed`, `active`, DR_OFFSET and `_indirect_write()`.
"""
from __future__ import annotations


class DrSink:
    _sink_armed = False

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
            arm(self, self.base + self.DR_OFFSET, self.wneed - 1)
            self._sink_armed = True
        elif self._sink_armed:
            arm(self, 0, 0)
            self._sink_armed = False
