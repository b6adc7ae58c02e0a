"""SYSCFG (0x58000400, clock RCC APB4ENR.SYSCFGEN b1), RM0468 SYSCFG chapter: plain registers. EXTICR1..4 select the
port of each EXTI line (read and written by GPIO set-up and de-initialisation code); no EXTI model
consumes them yet. The I/O compensation cell (CCCSR) reports READY as soon as it is enabled (its
start-up time is not modelled)."""
from __future__ import annotations

from ..regs import RO, Field, Peripheral, Reg


def _exti(first):
    return tuple(Field(f"EXTI{n}", 4 * (n - first), 4) for n in range(first, first + 4))


class Syscfg(Peripheral):
    C_PREFIX = "SYSCFG"
    REGS = (
        Reg("PMCR", 0x04),
        Reg("EXTICR1", 0x08, fields=_exti(0)), Reg("EXTICR2", 0x0C, fields=_exti(4)),
        Reg("EXTICR3", 0x10, fields=_exti(8)), Reg("EXTICR4", 0x14, fields=_exti(12)),
        Reg("CCCSR", 0x20, fields=(Field("EN", 0), Field("CS", 1), Field("READY", 8, access=RO), Field("HSLV", 16))),
        Reg("CCVR", 0x24, access=RO), Reg("CCCR", 0x28),
        Reg("PKGR", 0x124, access=RO),
    )

    def __init__(self, name="SYSCFG", base=0x5800_0400, board=None, clock_gate=("APB4ENR", 1)):
        super().__init__(name, base, board, clock_gate)

    def write_CCCSR(self, old, new):
        self.set("CCCSR", READY=new & 1)
