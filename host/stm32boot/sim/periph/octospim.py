"""OCTOSPI I/O manager (0x5200B400, clock AHB3ENR.IOMNGREN b21), RM0468, OCTOSPIM chapter.

The board wires port 1 to the NOR and port 2 to the HyperRAM (UM2679); the reset routing sends every
signal of OCTOSPI1 to port 1 and of OCTOSPI2 to port 2. An OCTOSPI whose own port does not carry its
CLK, nCS and both IO nibbles talks to nothing (reads 0xFF). Routing an OCTOSPI to the other port
is treated the same way (simplification: port n serves OCTOSPIn only).

The field failure (RM0468, OCTOSPIM chapter): writing the manager while an OCTOSPI is enabled, or while one
is still set up memory-mapped (HAL_OSPIM_Config clears EN without an ABORT), leaves that instance's
window dead: its next access bus-faults, and the fault report names this write.
"""
from __future__ import annotations

from ..regs import Field, Peripheral, Reg

_PCR = (Field("CLKEN", 0), Field("CLKSRC", 1), Field("DQSEN", 4), Field("DQSSRC", 5), Field("NCSEN", 8),
        Field("NCSSRC", 9), Field("IOLEN", 16), Field("IOLSRC", 17, 2), Field("IOHEN", 24),
        Field("IOHSRC", 25, 2))


class Octospim(Peripheral):
    C_PREFIX = "OCTOSPIM"
    C_FIELD_ALIASES = {"P1CR": "PCR", "P2CR": "PCR"}
    SIZE = 0x400
    REGS = (
        Reg("CR", 0x00, fields=(Field("MUXEN", 0), Field("REQ2ACK_TIME", 16, 8))),
        Reg("P1CR", 0x04, reset=0x0301_0111, fields=_PCR),
        Reg("P2CR", 0x08, reset=0x0705_0333, fields=_PCR),
    )

    def __init__(self, name="OCTOSPIM", base=0x5200_B400, board=None, clock_gate=("AHB3ENR", 21)):
        self.ospis = {}
        self.broken: dict[int, str] = {}
        super().__init__(name, base, board, clock_gate)

    def reset(self) -> None:
        super().reset()
        self.broken.clear()   # RCC reset (AHB3RSTR.IOMNGRRST) or system reset: routing back to reset values
        for o in self.ospis.values():
            o._update_window()

    def connect(self, *ospis) -> None:
        """ospis[0] = OCTOSPI1, ospis[1] = OCTOSPI2: give each a routing check."""
        for k, o in enumerate(ospis, start=1):
            self.ospis[k] = o
            o.port_ok = (lambda k=k: self.route(k))
            o.ospim, o.ospim_index = self, k

    def route(self, k: int) -> tuple[bool, str]:
        """Does OCTOSPIk reach the device on port k? (ok, reason when not)."""
        if k in self.broken:
            return False, self.broken[k]
        if self.get("CR", "MUXEN"):
            return True, ""  # multiplexed: both instances share the port in turn
        src, p = k - 1, f"P{k}CR"
        v = self.get(p)
        wrong = []
        if not (v & 1 and (v >> 1 & 1) == src):
            wrong.append("CLK")
        if not (v >> 8 & 1 and (v >> 9 & 1) == src):
            wrong.append("nCS")
        if not (v >> 16 & 1 and (v >> 17 & 3) == 2 * src):
            wrong.append("IO[3:0]")
        if not (v >> 24 & 1 and (v >> 25 & 3) == 2 * src + 1):
            wrong.append("IO[7:4]")
        if wrong:
            return False, (f"OCTOSPIM {p}=0x{v:08X} does not route OCTOSPI{k} "
                           f"{'/'.join(wrong)} to port {k} (its device)")
        return True, ""

    def repair(self, k: int) -> None:
        """An ABORT or a reset of OCTOSPIk clears the dead state."""
        self.broken.pop(k, None)

    def _written(self, reg: str) -> None:
        for k, o in self.ospis.items():
            en = o.get("CR", "EN")
            mapped = o.get("CR", "FMODE") == 3
            if en or mapped:
                state = "memory-mapped" if (en and mapped) else "enabled" if en else \
                    "still set up memory-mapped (EN cleared without ABORT)"
                self.broken[k] = (f"OCTOSPIM {reg} written while OCTOSPI{k} is {state} (RM: configure "
                                  f"the IO manager only with both OCTOSPIs disabled)")
                o.note(self.broken[k])
            o._update_window()

    def write_CR(self, old, new):
        self._written("CR")

    def write_P1CR(self, old, new):
        self._written("P1CR")

    def write_P2CR(self, old, new):
        self._written("P2CR")
