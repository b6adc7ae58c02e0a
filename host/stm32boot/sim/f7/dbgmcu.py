"""F7 DBGMCU (RM0385 §40.16.4): the device identification (DEV_ID 0x449 for F74x/F75x) and the freeze
bits (stored only)."""
from __future__ import annotations

from ..regs import RO, Field, Peripheral, Reg


class DbgmcuF7(Peripheral):
    C_PREFIX = "DBGMCU"
    REGS = (
        Reg("IDCODE", 0x00, reset=0x1001_0449, access=RO, fields=(Field("DEV_ID", 0, 12), Field("REV_ID", 16, 16))),
        Reg("CR", 0x04), Reg("APB1_FZ", 0x08), Reg("APB2_FZ", 0x0C),
    )

    def __init__(self, name="DBGMCU", base=0xE004_2000, board=None, dev_id=0x449):
        self._dev_id = dev_id
        super().__init__(name, base, board)

    def reset(self):
        super().reset()
        self.set("IDCODE", DEV_ID=self._dev_id)
