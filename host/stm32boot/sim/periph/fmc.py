"""FMC NOR/PSRAM/SRAM bank registers (0x52004000, clock RCC AHB3ENR.FMCEN b12), RM0468 FMC chapter.

Plain registers with their reset values: vendor start-up code (CMSIS SystemInit on H7) turns the FMC clock
on, writes BCR1 to stop speculative accesses to bank 1 and turns the clock off again. No external memory
is wired to the FMC on the STM32H735G-DK (UM2679 schematic), so nothing behind the banks is modelled;
the NAND and SDRAM controller registers stay unmodelled (reported if touched).
"""
from __future__ import annotations

from ..regs import RO, Field, Peripheral, Reg

_BCR = (Field("MBKEN", 0), Field("MUXEN", 1), Field("MTYP", 2, 2), Field("MWID", 4, 2), Field("FACCEN", 6),
        Field("RSVD7", 7, access=RO), Field("BURSTEN", 8), Field("WAITPOL", 9), Field("WAITCFG", 11),
        Field("WREN", 12), Field("WAITEN", 13), Field("EXTMOD", 14), Field("ASYNCWAIT", 15), Field("CPSIZE", 16, 3), Field("CBURSTRW", 19),
        Field("WFDIS", 21))
# Bit 7 is reserved and resets to 1 (reset values 0x30DB / 0x30D2): it reads back 1 whatever is written.
_BCR1 = _BCR + (Field("CCLKEN", 20), Field("BMAP", 24, 2), Field("FMCEN", 31))
BTR_RESET = 0x0FFF_FFFF


class Fmc(Peripheral):
    C_PREFIX = "FMC"
    C_FIELD_ALIASES = {f"BCR{n}": "BCR" for n in (1, 2, 3, 4)}
    SIZE = 0x1000
    REGS = (
        Reg("BCR1", 0x000, reset=0x0000_30DB, fields=_BCR1), Reg("BTR1", 0x004, reset=BTR_RESET),
        Reg("BCR2", 0x008, reset=0x0000_30D2, fields=_BCR), Reg("BTR2", 0x00C, reset=BTR_RESET),
        Reg("BCR3", 0x010, reset=0x0000_30D2, fields=_BCR), Reg("BTR3", 0x014, reset=BTR_RESET),
        Reg("BCR4", 0x018, reset=0x0000_30D2, fields=_BCR), Reg("BTR4", 0x01C, reset=BTR_RESET),
        Reg("BWTR1", 0x104, reset=BTR_RESET), Reg("BWTR2", 0x10C, reset=BTR_RESET),
        Reg("BWTR3", 0x114, reset=BTR_RESET), Reg("BWTR4", 0x11C, reset=BTR_RESET),
    )

    def __init__(self, name="FMC", base=0x5200_4000, board=None, clock_gate=("AHB3ENR", 12)):
        super().__init__(name, base, board, clock_gate)
