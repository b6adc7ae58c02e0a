"""The simulated STM32H735G-DK's ROM bootloader: the protocol model (model.py) acting on the machine's
own flash array, RAM and FLASH option registers, listening on USART3 PD8/PD9 (AN2606 H72x/73x: the
ST-LINK virtual COM port). Entered when the board's BOOT0 flag is high (AN2606 pattern 10 with the
factory BOOT_ADD1 = 0x1FF0). Go hands the core over: MSP and PC from the vector table at the address,
as the ROM does (AN3155 §3.5), so our bootloader or application then runs on the unicorn core.
"""
from __future__ import annotations

from ...rom.devices import DEVICES
from ..clock import PS_PER_S
from .chip import Chip
from .model import RomModel

PID = 0x483


class MachineChip(Chip):
    def __init__(self, m):
        dev = DEVICES[PID]
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
        self.m.flash_changed(0x0800_0000, 0x0800_0000 + self.dev.flash_size)


def rom_model(m) -> RomModel:
    """The ROM bootloader of machine `m`; Go jumps the core to the given vector table."""
    chip = MachineChip(m)
    model = RomModel(chip)

    def go(addr):
        from ..exceptions import cpu_reset
        m.rom_active = False
        cpu_reset(m, addr)
    model.on_go = go
    return model


def advance_machine(m, seconds: float) -> None:
    """The ROM's time was spent on the board's clock too."""
    m.clock.advance_to(m.clock.now + int(seconds * PS_PER_S))
