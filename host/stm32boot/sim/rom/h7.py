"""ST's ROM bootloader on a simulated STM32H7 machine: what the protocol model (model.py) acts on is the
machine's own flash array, RAM and FLASH option registers. The chip module names this module
(`ROM_MODEL = "h7"`); onboard.py enters it when the board's BOOT0 flag is high (AN2606 pattern 10 with
the factory BOOT_ADD1 = 0x1FF0).
"""
from __future__ import annotations

from ...rom.devices import DEVICES, FLASH_BASE
from .chip import Chip


class MachineChip(Chip):
    def __init__(self, m):
        dev = DEVICES[m.board.dev_id]
        super().__init__(dev, flash=m.flash.buf, options=bytearray())
        self.m = m

    # H7 options live in the FLASH peripheral's registers (RM0468 §4.9), not in a memory window.
    @property
    def h7_rdp(self):
        return self.m.flash_ctl.get("OPTSR_CUR") >> 8 & 0xFF

    @h7_rdp.setter
    def h7_rdp(self, v):
        fc = self.m.flash_ctl
        word = (fc.get("OPTSR_CUR") & ~0xFF00) | v << 8
        fc.set("OPTSR_CUR", word)
        fc.set("OPTSR_PRG", word)
        fc._save_options()

    @property
    def h7_wpsn(self):
        return self.m.flash_ctl.get("WPSN_CUR") & 0xFF

    @h7_wpsn.setter
    def h7_wpsn(self, v):
        fc = self.m.flash_ctl
        fc.set("WPSN_CUR", v)
        fc.set("WPSN_PRG", v)
        fc._save_options()

    def _area(self, addr, n, write):
        a = super()._area(addr, n, write)
        if a is not None and a[2] == "ram":
            return None                      # RAM goes through the machine (below)
        return a

    def _in_ram(self, addr, n):
        lo, hi = self.dev.ram_free
        return lo <= addr and addr + n <= hi

    def read(self, addr, n):
        if self._in_ram(addr, n):
            return self.m.read(addr, n)
        return super().read(addr, n)

    def write(self, addr, data):
        if self._in_ram(addr, len(data)):
            self.m.write(addr, data)
            return "ram"
        kind = super().write(addr, data)
        if kind == "flash":
            self.m.flash_changed(addr, addr + len(data))
        return kind

    def erase_unit(self, number):
        ok = super().erase_unit(number)
        if ok:
            _, a, s = self.units()[number]
            self.m.flash_changed(a, a + s)
        return ok

    def readout_unprotect(self):
        super().readout_unprotect()
        self.m.flash_changed(FLASH_BASE, FLASH_BASE + self.dev.flash_size)

