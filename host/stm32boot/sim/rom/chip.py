"""What a ROM bootloader model acts on: a chip's flash, option bytes, RAM and system memory, laid out by
its row in stm32boot.rom.devices (the same table the client uses). `Chip` keeps them in bytearrays
(standalone models, optionally in a state directory); `MachineChip` (h7.py) maps them onto a
simulated H7 machine's own memories.

Option-byte semantics follow the layouts described in stm32boot.rom.protection (RM0008/RM0090/RM0410/
RM0038): RDP and WRP are read from the option bytes on every access, like the flash interface does after
an option-byte load.
"""
from __future__ import annotations

from ...rom import protection
from ...rom.devices import FLASH_BASE, Device

RDP_LEVEL1 = 0xBB           # any value but the level-0/level-2 codes means level 1


def erased_value(dev: Device) -> int:
    """L1 flash reads 0x00 when erased (RM0038 §3.3.2); the others 0xFF."""
    return 0x00 if dev.family == "l1" else 0xFF


def _pair16(value: int) -> bytes:
    return (value & 0xFFFF).to_bytes(2, "little") + (~value & 0xFFFF).to_bytes(2, "little")


def factory_options(dev: Device, dual_bank: bool = False) -> bytearray:
    """Option bytes as they leave the factory: no read or write protection."""
    ob = bytearray(b"\xff" * dev.ob_size)
    if dev.family == "f1":
        ob[0:4] = bytes((0xA5, 0x5A, 0xFF, 0x00))
        for i in range(4, 16, 2):
            ob[i:i + 2] = b"\xff\x00"
    elif dev.family in ("f4", "f7"):
        ob[0:4] = _pair16(0xAA00 | 0xEC)                  # RDP 0xAA, USER defaults
        nwrp = (1 << 12) - 1 if dev.family == "f4" else 0xFF
        if dev.sectors_dual is not None and not dual_bank:
            nwrp |= 1 << 13                               # nDBANK = 1: single bank (RM0410 §3.4.1)
        if dev.family == "f7":
            nwrp |= 1 << 12                                 # nDBOOT = 1
        ob[8:12] = _pair16(nwrp)
        if dev.family == "f7":
            ob[16:20] = _pair16(0x0080)                   # BOOT_ADD0: flash on ITCM
            ob[24:28] = _pair16(0x0040)                   # BOOT_ADD1: system memory
    elif dev.family == "l1":
        ob[:] = bytes(dev.ob_size)
        ob[0:4] = bytes((0xAA, 0x00, 0x55, 0xFF))
        for off in range(4, dev.ob_size, 4):
            ob[off:off + 4] = bytes((0x00, 0x00, 0xFF, 0xFF))
    return ob


class Chip:
    """Memories of a chip on its own (no CPU program runs)."""

    def __init__(self, dev: Device, flash: bytearray | None = None, options: bytearray | None = None,
                 dual_bank: bool = False):
        self.dev = dev
        self.erased = erased_value(dev)
        self.flash = flash if flash is not None else bytearray([self.erased]) * dev.flash_size
        self.ob = options if options is not None else factory_options(dev, dual_bank)
        self.ram = bytearray(dev.ram_free[1] - 0x2000_0000) if dev.ram_free[0] < 0x2400_0000 else \
            bytearray(dev.ram_free[1] - 0x2400_0000)
        self.ram_base = 0x2000_0000 if dev.ram_free[0] < 0x2400_0000 else 0x2400_0000
        sys_lo, sys_hi = dev.sysmem
        self.sysmem = bytearray(b"\xff" * (sys_hi - sys_lo))
        if dev.bl_id is not None:                          # bootloader ID: last byte but one (AN2606)
            self.sysmem[-2] = dev.bl_id
        self.changed = lambda: None                        # state directories hook this

    # ---- protection ------------------------------------------------------------------------------
    # H7: options live in FLASH registers (RM0468 §4.9: OPTSR RDP byte, WPSN bit 0 = protected).
    h7_rdp = 0xAA
    h7_wpsn = 0xFF

    def prot(self) -> protection.Protection:
        if self.dev.family == "h7":
            return protection.Protection(protection.rdp_level(self.dev, self.h7_rdp), self.h7_rdp,
                                         [i for i in range(8) if not self.h7_wpsn >> i & 1])
        return protection.decode(self.dev, bytes(self.ob))

    def rdp_level(self) -> int:
        return self.prot().rdp_level

    def dual_bank(self) -> bool:
        if self.dev.family == "h7":
            return False
        return protection.dual_bank(self.dev, bytes(self.ob))

    def units(self):
        return self.dev.units(self.dual_bank())

    def protected(self, addr: int, n: int) -> bool:
        p = self.prot()
        groups = {b: (a, s) for b, a, s in self.dev.wrp_groups(p.dual_bank)}
        return any(a < addr + n and addr < a + s for a, s in (groups[b] for b in p.wrp_bits if b in groups))

    def set_rdp(self, level1: bool) -> None:
        dev = self.dev
        if dev.family == "h7":
            self.h7_rdp = RDP_LEVEL1 if level1 else 0xAA
        elif dev.family == "f1":
            v = 0x00 if level1 else 0xA5
            self.ob[0:2] = bytes((v, v ^ 0xFF))
        elif dev.family in ("f4", "f7"):
            v = RDP_LEVEL1 if level1 else 0xAA
            word = (int.from_bytes(self.ob[0:2], "little") & 0x00FF) | v << 8
            self.ob[0:4] = _pair16(word)
        else:
            v = RDP_LEVEL1 if level1 else 0xAA
            self.ob[0], self.ob[2] = v, v ^ 0xFF
        self.changed()

    def set_wrp(self, bits: list[int] | None) -> None:
        """bits: WRP bits to protect (None: remove all), as Write Protect / Write Unprotect do."""
        dev, bits = self.dev, set(bits or ())
        if dev.family == "h7":
            self.h7_wpsn = ~sum(1 << b for b in bits if b < 8) & 0xFF
        elif dev.family == "f1":
            v = ~sum(1 << b for b in bits if b < 32) & 0xFFFFFFFF
            for i in range(4):
                self.ob[8 + 2 * i:10 + 2 * i] = bytes((v >> 8 * i & 0xFF, ~v >> 8 * i & 0xFF))
        elif dev.family in ("f4", "f7"):
            width = 12 if dev.family == "f4" else 8
            old = int.from_bytes(self.ob[8:10], "little")
            v = (old & ~((1 << width) - 1)) | (~sum(1 << b for b in bits) & ((1 << width) - 1))
            self.ob[8:12] = _pair16(v)
        else:
            v = sum(1 << b for b in bits if b < 32)
            self.ob[8:10] = (v & 0xFFFF).to_bytes(2, "little")
            self.ob[10:12] = (~v & 0xFFFF).to_bytes(2, "little")
            self.ob[12:14] = (v >> 16).to_bytes(2, "little")
            self.ob[14:16] = (~v >> 16 & 0xFFFF).to_bytes(2, "little")
        self.changed()

    # ---- memory map --------------------------------------------------------------------------------
    def _area(self, addr: int, n: int, write: bool):
        """(buffer, offset, kind) of the area holding addr..addr+n, or None (the bootloader NACKs)."""
        d = self.dev
        if FLASH_BASE <= addr and addr + n <= d.flash_end:
            return self.flash, addr - FLASH_BASE, "flash"
        lo, hi = d.ram_free
        if lo <= addr and addr + n <= hi:             # the bootloader's own RAM is refused (AN3155 §3.4)
            return self.ram, addr - self.ram_base, "ram"
        if d.ob_base is not None and d.ob_base <= addr and addr + n <= d.ob_base + d.ob_size:
            return self.ob, addr - d.ob_base, "ob"
        if not write and d.sysmem[0] <= addr and addr + n <= d.sysmem[1]:
            return self.sysmem, addr - d.sysmem[0], "sysmem"
        return None

    def read(self, addr: int, n: int) -> bytes | None:
        a = self._area(addr, n, False)
        return None if a is None else bytes(a[0][a[1]:a[1] + n])

    def write(self, addr: int, data: bytes) -> str | None:
        """Kind of area written ("flash", "ram", "ob"), or None when the address is refused. Flash in a
        write-protected unit is left unchanged without an error (AN3155 §3.6)."""
        a = self._area(addr, len(data), True)
        if a is None:
            return None
        buf, off, kind = a
        if kind == "flash":
            if self.protected(addr, len(data)):
                return kind
            self.changed()
        buf[off:off + len(data)] = data
        if kind == "ob":
            self.changed()
        return kind

    def valid_go(self, addr: int) -> bool:
        d = self.dev
        return FLASH_BASE <= addr < d.flash_end or d.ram_free[0] <= addr < d.ram_free[1]

    def erase_unit(self, number: int) -> bool:
        units = self.units()
        if not 0 <= number < len(units):
            return False
        _, a, s = units[number]
        if not self.protected(a, s):
            off = a - FLASH_BASE
            self.flash[off:off + s] = bytes([self.erased]) * s
            self.changed()
        return True

    def erase_all(self, bank: int | None = None) -> None:
        for n, a, s in self.units():
            if bank is not None and (a - FLASH_BASE >= self.dev.flash_size // 2) != (bank == 2):
                continue
            self.erase_unit(n)

    def readout_unprotect(self) -> None:
        """Mass erase (protection ignored), RAM cleared, RDP back to level 0 (AN3155 §3.13)."""
        self.flash[:] = bytes([self.erased]) * len(self.flash)
        self.ram[:] = bytes(len(self.ram))
        if self.dev.family == "f1":               # F1: the option bytes are erased with it
            self.set_wrp(None)
        self.set_rdp(False)
