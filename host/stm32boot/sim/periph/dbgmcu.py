"""DBGMCU: the device identification a bootloader reports (DEV_ID 0x483 for H72x/H73x, RM0468 DBGMCU_IDC,
AN2606) and the debug freeze bits (stored only). REV_ID 0x1001 = revision Z [RM?]."""
from __future__ import annotations

from ..regs import RO, Field, Peripheral, Reg


class Dbgmcu(Peripheral):
    C_PREFIX = "DBGMCU"
    REGS = (
        Reg("IDCODE", 0x00, reset=0x1001_0483, access=RO, fields=(Field("DEV_ID", 0, 12), Field("REV_ID", 16, 16))),
        Reg("CR", 0x04), Reg("APB3FZ1", 0x34), Reg("APB1LFZ1", 0x3C), Reg("APB2FZ1", 0x4C), Reg("APB4FZ1", 0x54),
    )

    def __init__(self, name="DBGMCU", base=0x5C00_1000, board=None, dev_id=0x483):
        super().__init__(name, base, board)
        self.set("IDCODE", DEV_ID=dev_id)
        self._dev_id = dev_id

    def reset(self):
        super().reset()
        if hasattr(self, "_dev_id"):
            self.set("IDCODE", DEV_ID=self._dev_id)
