"""F7 models that also ignore their registers while their RCC reset bit is held (RM0385, RCC AHBxRSTR /
APBxRSTR): `reset_line` = (reset register name, bit), set by the chip (sim/chips/stm32f74x.py)."""
from __future__ import annotations


class HeldInReset:
    _held = None    # (RCC model, reset register offset, bit): asked on every access, resolved once

    def clocked(self) -> bool:
        if not super().clocked():
            return False
        h = self._held
        if h is None:
            rcc, line = getattr(self.board, "rcc", None), getattr(self, "reset_line", None)
            if line is None or not hasattr(rcc, "reg"):
                held = getattr(rcc, "held_in_reset", None)
                return not (held and held(line))
            h = self._held = (rcc, rcc.reg(line[0]).offset, line[1])
        return not h[0].values[h[1]] >> h[2] & 1
