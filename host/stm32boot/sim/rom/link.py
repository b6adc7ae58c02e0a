"""In-process wire between the host's ROM client and a RomModel, on a virtual clock (seconds).
Bytes take 11 bit times each way (8E1); the host's parity setting is modelled: with no parity the
receiver takes the stop bit for the parity bit, so a byte passes only if its even parity bit would be 1
(what an 8N1 host really does to an 8E1 bootloader). A pty cannot carry parity, so only this link models it.

It also offers the adapter lines a `--before` sequence drives: `set_dtr/set_rts/send_break`, wired as
the common USB-UART hookup (DTR -> NRST, RTS -> BOOT0, both active low through the adapter's inverters).
"""
from __future__ import annotations

from ...rom import frame as F


class RomLink:
    virtual = True

    def __init__(self, model, baud: int = 115200, parity: str = "E", latency_s: float = 0.0, name=None):
        self.model = model
        self.baud = baud
        self.parity = parity
        self.latency_s = latency_s
        self.name = name or f"the simulated {model.dev.name} ROM bootloader (in process)"
        self._now = max(0.0, model.ready_at)       # the board was reset a while ago
        self._line_free = self._now
        self._out: list[tuple[float, int]] = []
        self.t0 = self._now
        self.dtr = self.rts = False
        self.wired_lines = True
        self.closed = False

    # ---- transport interface --------------------------------------------------------------------------
    def now(self) -> float:
        return self._now

    @property
    def virtual_seconds(self) -> float:
        return self._now - self.t0

    def byte_time(self) -> float:
        return F.BITS_PER_BYTE / self.baud

    def set_baud(self, baud: int) -> None:
        self.baud = baud

    def write(self, data: bytes) -> None:
        self.model.baud = self.baud            # autobaud: the loader answers at the rate it measured
        for b in bytes(data):
            self._line_free = max(self._line_free, self._now) + self.byte_time()
            ok = self.parity.upper() == "E" or bin(b).count("1") % 2 == 1
            for t, x in self.model.feed(b, self._line_free + self.latency_s, ok):
                self._out.append((t + self.latency_s, x))

    def read(self, timeout: float) -> bytes:
        limit = self._now + max(0.0, timeout)
        if not self._out or self._out[0][0] > limit:
            self._now = max(self._now, limit)
            return b""
        n = 0
        while n < len(self._out) and self._out[n][0] <= limit:
            n += 1
        self._now = max(self._now, self._out[n - 1][0])
        data = bytes(x for _, x in self._out[:n])
        del self._out[:n]
        return data

    def advance(self, seconds: float) -> None:
        self._now += seconds

    # ---- adapter lines ---------------------------------------------------------------------------------
    def set_dtr(self, on: bool) -> None:
        """DTR asserted pulls NRST low; releasing it lets the chip start (and sample BOOT0)."""
        if self.dtr and not on and self.wired_lines:
            self._out.clear()
            self.model.boot0 = self.rts
            self.model.reset(self._now)
        self.dtr = on

    def set_rts(self, on: bool) -> None:
        self.rts = on

    def send_break(self, seconds: float = 0.25) -> None:
        self._now += seconds

    def close(self) -> None:
        self.closed = True
