"""Option bytes as the ROM bootloader shows them through Read Memory: read-out protection level,
write-protected units, and the F76x bank mode. Layouts per family (value and complement pairs):
  f1  RM0008 §2.5 "Option byte description": RDP byte at +0 (0xA5 = unprotected), WRP0..3 at +8/+A/+C/+E,
      a bit at 0 protects its pages.
  f4  RM0090 §3.6.1 / f7 RM0410 §3.4.1: each 32-bit word holds a 16-bit value and its complement;
      +0 USER (bits 7:0) and RDP (15:8), +8 nWRP (bit per sector, 0 = protected), F76x nDBANK bit 13
      (OPTCR bit 29), +0x10/+0x18 BOOT_ADD0/1 (F7).
  l1  RM0038 §3.8: RDP byte at +0, WRP words at +8, +0xC (and +0x80.. on Cat.4/5), 1 = protected.
RDP: 0xAA level 0, 0xCC level 2, anything else level 1 (F1: 0xA5 level 0, else level 1).
H7 keeps its options in FLASH registers only, out of the bootloader's reach (RM0468 §4.4).
"""
from __future__ import annotations

from dataclasses import dataclass

from .devices import Device

RDP0_F1, RDP0, RDP2 = 0xA5, 0xAA, 0xCC


@dataclass
class Protection:
    rdp_level: int
    rdp_byte: int
    wrp_bits: list          # WRP bits that protect something
    dual_bank: bool = False

    def text(self, dev: Device) -> str:
        parts = [f"read protection (RDP) level {self.rdp_level} (option byte 0x{self.rdp_byte:02X})"]
        if self.wrp_bits:
            groups = {b: (a, s) for b, a, s in dev.wrp_groups(self.dual_bank)}
            covered = [groups[b] for b in self.wrp_bits if b in groups]
            runs = ", ".join(f"0x{a:08X}..0x{a + s - 1:08X}" for a, s in covered[:6])
            more = f" and {len(covered) - 6} more" if len(covered) > 6 else ""
            unit = "sector" if not dev.wrp_pages_per_bit else "WRP group"
            parts.append(f"write protection on {unit}(s) {', '.join(map(str, self.wrp_bits))} "
                         f"({runs}{more})")
        else:
            parts.append("no write protection")
        return "; ".join(parts)


def rdp_level(dev: Device, byte: int) -> int:
    if dev.family == "f1":
        return 0 if byte == RDP0_F1 else 1
    return 0 if byte == RDP0 else 2 if byte == RDP2 else 1


def _bits(value: int, width: int, active_low: bool) -> list[int]:
    return [i for i in range(width) if bool(value >> i & 1) != active_low]


def decode(dev: Device, ob: bytes) -> Protection:
    if dev.family == "f1":
        wrp = int.from_bytes(bytes(ob[8:16:2]), "little")
        return Protection(rdp_level(dev, ob[0]), ob[0], _bits(wrp, 32, True))
    if dev.family in ("f4", "f7"):
        rdp = ob[1]
        nwrp = int.from_bytes(ob[8:10], "little")
        dual = dev.sectors_dual is not None and not (nwrp >> 13 & 1)
        n = len(dev.wrp_groups(dual))
        width = 12 if dev.family == "f4" else 8
        bits = [b for b in _bits(nwrp & ((1 << width) - 1), width, True) if b < n]
        return Protection(rdp_level(dev, rdp), rdp, bits, dual)
    if dev.family == "l1":
        wrp = int.from_bytes(bytes(ob[8:10]) + bytes(ob[12:14]), "little")
        return Protection(rdp_level(dev, ob[0]), ob[0], _bits(wrp, 32, False))
    raise ValueError(f"{dev.name}: option bytes are not readable through the ROM bootloader")


def dual_bank(dev: Device, ob: bytes | None) -> bool:
    """F76x/77x: nDBANK = 0 selects two 1 MB banks with their own sector numbers (RM0410 §3.3.1)."""
    if dev.sectors_dual is None or ob is None:
        return False
    return not (int.from_bytes(ob[8:10], "little") >> 13 & 1)
