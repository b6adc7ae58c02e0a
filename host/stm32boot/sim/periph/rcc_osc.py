"""What the RCC models of both families share (sim/periph/rcc.py for the H7, RM0468 RCC chapter; sim/f7/rcc.py
for the F7, RM0385 §5). The register maps differ; the same on both are:
- the oscillator and PLL handshake in RCC_CR: an xxxON bit starts a source and its xxxRDY bit follows after
  the start-up or lock time; turning a source off clears its RDY at once; the source feeding SYSCLK cannot
  be turned off (RM0385 §5.3.1, RM0468 RCC_CR);
- the SYSCLK switch: CFGR.SW asks for a source, CFGR.SWS follows only once that source is ready
  (RM0385 §5.3.3, RM0468 RCC_CFGR);
- the bus prescaler codes: HPRE 0xxx = /1, 1000..1111 = /2../512 (no /32), PPRE 0xx = /1, 100..111 = /2../16
  (RM0385 RCC_CFGR, RM0468 RCC_D1CFGR).

A family model declares SOURCES (name: (ON bit, RDY bit) in CR), DELAYS_PS, SW_SOURCES (by CFGR.SW code),
SW_MASK (CFGR.SW width), PLLS (PLLs that lock only once their input is ready), and provides
`_input_ready(src)`; `_feeds_sysclk(src, current)` may widen which sources cannot be stopped.
"""
from __future__ import annotations

from ..regs import Peripheral


class RccOscillators(Peripheral):
    SOURCES: dict[str, tuple[int, int]] = {}
    DELAYS_PS: dict[str, int] = {}
    SW_SOURCES: tuple[str, ...] = ()
    SW_MASK = 3
    PLLS: tuple[str, ...] = ()

    def __init__(self, name, base, board=None):
        self._events = {}
        self.notes: list[str] = []   # ignored writes etc., for tests and --trace
        super().__init__(name, base, board)

    def reset(self):
        for ev in getattr(self, "_events", {}).values():
            ev.cancel()
        self._events = {}
        super().reset()

    def _note(self, msg):
        self.notes.append(msg)
        warn = getattr(self.board, "warn", None)
        if warn is not None:
            warn(f"sim: RCC: {msg}")

    def ready(self, src: str) -> bool:
        return bool(self.get("CR") >> self.SOURCES[src][1] & 1)

    def _on(self, src: str) -> bool:
        return bool(self.get("CR") >> self.SOURCES[src][0] & 1)

    def _current(self) -> str | None:
        """The source SYSCLK runs from (CFGR.SWS)."""
        sws = self.get("CFGR", "SWS")
        return self.SW_SOURCES[sws] if sws < len(self.SW_SOURCES) else None

    def _input_ready(self, src: str) -> bool:
        return True

    def _feeds_sysclk(self, src: str, current: str | None) -> bool:
        return src == current

    def _schedule(self, src: str):
        clk = getattr(self.board, "clock", None)
        if clk is None:   # no machine: become ready at once (unit use)
            self._become_ready(src)
            return
        if src in self._events:
            self._events[src].cancel()
        self._events[src] = clk.after(self.DELAYS_PS[src], lambda s=src: self._become_ready(s), f"RCC {src} ready")

    def _become_ready(self, src: str):
        self._events.pop(src, None)
        if not self._on(src) or not self._input_ready(src):
            return                      # off, or a PLL without its input clock: locks once it is ready (write_CR)
        self.set("CR", self.get("CR") | 1 << self.SOURCES[src][1])
        self._update_sws()

    def _update_sws(self):
        sw = self.get("CFGR", "SW")
        if sw < len(self.SW_SOURCES) and self.ready(self.SW_SOURCES[sw]):
            self.set("CFGR", SWS=sw)

    # ---- register callbacks ---------------------------------------------------------------------
    def write_CR(self, old, new):
        cur = self._current()
        for src, (on, rdy) in self.SOURCES.items():
            was, now = old >> on & 1, new >> on & 1
            if was and not now and self._feeds_sysclk(src, cur):
                new |= 1 << on
                self._note(f"{src}ON cleared while {src} feeds SYSCLK: ignored")
            elif was and not now:
                new &= ~(1 << rdy)
                ev = self._events.pop(src, None)
                if ev is not None:
                    ev.cancel()
            elif now and not was:
                self._schedule(src)
        self.set("CR", new)
        for p in self.PLLS:             # PLLs waiting for their input clock lock once it is ready
            if self._on(p) and not self.ready(p) and p not in self._events:
                self._schedule(p)

    def write_CFGR(self, old, new):
        sw = new & self.SW_MASK
        if sw >= len(self.SW_SOURCES):
            self.set("CFGR", (new & ~self.SW_MASK) | (old & self.SW_MASK))
            self._note(f"CFGR.SW={sw} is reserved: ignored")
            return
        if not self.ready(self.SW_SOURCES[sw]):
            self._note(f"SYSCLK switch to {self.SW_SOURCES[sw]} waits: it is not ready (CFGR.SWS unchanged)")
        self._update_sws()

    # ---- prescalers -----------------------------------------------------------------------------
    @staticmethod
    def _hpre(v):
        return 1 if v < 8 else (2 << (v - 8)) << (v >= 12)

    @staticmethod
    def _ppre(v):
        return 1 if v < 4 else 2 << (v - 4)
