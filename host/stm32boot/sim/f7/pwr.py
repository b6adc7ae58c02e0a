"""F7 PWR (RM0385 §4.4): voltage scaling and over-drive. ODEN raises ODRDY after a short time; ODSWEN
(only once ODRDY) raises ODSWRDY; VOSRDY follows the main PLL being ready (RM0385 §4.1.4: the new scale
applies once the PLL is on). Times are model estimates; firmware must poll the flags."""
from __future__ import annotations

from ..clock import us
from ..regs import RO, Field, Peripheral, Reg

OD_DELAY_PS = us(50)


class PwrF7(Peripheral):
    C_PREFIX = "PWR"
    POLL_REGS = frozenset({"CSR1"})
    REGS = (
        Reg("CR1", 0x00, reset=0x0000_C000, fields=(
            Field("LPDS", 0), Field("PDDS", 1), Field("CSBF", 3), Field("PVDE", 4), Field("PLS", 5, 3),
            Field("DBP", 8), Field("FPDS", 9), Field("LPUDS", 10), Field("MRUDS", 11), Field("ADCDC1", 13),
            Field("VOS", 14, 2), Field("ODEN", 16), Field("ODSWEN", 17), Field("UDEN", 18, 2))),
        Reg("CSR1", 0x04, access=RO, fields=(
            Field("WUIF", 0), Field("SBF", 1), Field("PVDO", 2), Field("BRR", 3), Field("EIWUP", 8, access="rw"),
            Field("BRE", 9, access="rw"), Field("VOSRDY", 14), Field("ODRDY", 16), Field("ODSWRDY", 17),
            Field("UDRDY", 18, 2))),
        Reg("CR2", 0x08), Reg("CSR2", 0x0C),
    )

    def __init__(self, name="PWR", base=0x4000_7000, board=None, clock_gate=("APB1ENR", 28)):
        super().__init__(name, base, board, clock_gate=clock_gate)

    def reset(self):
        ev = getattr(self, "_ev", None)
        if ev is not None:
            ev.cancel()
        self._ev = None
        super().reset()

    def read_CSR1(self, value):
        rcc = getattr(self.board, "rcc", None)
        pll = rcc is not None and hasattr(rcc, "ready") and rcc.ready("PLL")
        return value | (1 << 14 if pll else 0)

    def write_CR1(self, old, new):
        csr = self.get("CSR1")
        if new >> 16 & 1 and not old >> 16 & 1:
            self._later(lambda: self.set("CSR1", self.get("CSR1") | 1 << 16))
        if not new >> 16 & 1:
            self.set("CSR1", csr & ~(3 << 16))
            self.set("CR1", new & ~(1 << 17))
        if new >> 17 & 1 and not old >> 17 & 1:
            if not csr >> 16 & 1:
                self.set("CR1", self.get("CR1") & ~(1 << 17))   # ODSWEN before ODRDY: no switch
            else:
                self._later(lambda: self.set("CSR1", self.get("CSR1") | 1 << 17))

    def _later(self, fn):
        clk = getattr(self.board, "clock", None)
        if clk is None:
            fn()
        else:
            self._ev = clk.after(OD_DELAY_PS, fn, "PWR over-drive")
