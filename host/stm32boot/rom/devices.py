"""The chips ST's ROM bootloader runs on, as data: one row per product ID (what Get ID returns).

Sources per field: product IDs, bootloader USARTs and pins, the RAM the bootloader keeps, system memory,
bootloader ID and protocol version from AN2606 (each family's chapter and the device-dependent
parameters table); start-up and 0x7F-to-ACK times from AN2606's bootloader timing tables; write
alignment from AN2606 "Memory management" (Table 7); flash layouts and option-byte addresses from the
reference manuals (RM0008 F1, RM0090 F4, RM0385/RM0410/RM0431 F7, RM0433/RM0468 H7, RM0038 L1).
Erase and program durations are datasheet typicals (docs/rom-bootloader.md explains the margins).
A chip missing here is refused by ID (see `lookup`), never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

KB = 1024
FLASH_BASE = 0x0800_0000


class UnknownDevice(LookupError):
    pass


@dataclass(frozen=True)
class Usart:
    name: str
    tx: str
    rx: str
    note: str = ""


@dataclass(frozen=True)
class Device:
    pid: int
    name: str
    family: str                     # "f1" | "f4" | "f7" | "h7" | "l1": option-byte and RDP semantics
    flash_size: int
    sectors: tuple                  # runs of (count, size): erase units in address order, numbered from 0
    erase_cmd: int                  # 0x43 (protocol 2.x) or 0x44 (3.x), AN3155 §3.7/§3.8
    write_align: int                # AN2606 Table 7
    ram_free: tuple                 # (first, end) of RAM the bootloader leaves to Write Memory / Go
    sysmem: tuple                   # (first, end) of system memory (readable)
    usarts: tuple                   # bootloader USARTs (AN2606)
    protocol: int                   # what Get / Get Version return
    startup_s: float                # reset to first 0x7F accepted (AN2606 timing table)
    sync_s: float                   # 0x7F to ACK
    erase_s: dict                   # erase unit size -> typical seconds (datasheet)
    prog256_s: float                # programming 256 bytes, typical
    ob_base: int | None = None      # option bytes as memory (None: not reachable through Read Memory)
    ob_size: int = 0
    sectors_dual: tuple | None = None   # F76x/77x with nDBANK = 0 (RM0410 §3.3.1): two banks
    mass_erase: bool = True         # L1 has no global erase in its bootloader (page lists only)
    wrp_pages_per_bit: int = 0      # F1/L1: erase units per WRP bit; 0: one bit per sector (F4/F7)
    wrp_last_bit_rest: bool = False # F1 HD/CL: the last WRP bit covers every remaining page (RM0008 §2.5)
    bl_id: int | None = None
    extra_cmds: tuple = field(default=())
    double_nack: bool = False       # two NACKs on a command refused by RDP (AN2606 version limitations)

    @property
    def flash_end(self) -> int:
        return FLASH_BASE + self.flash_size

    def commands(self) -> list[int]:
        """The command list Get returns (AN3155 §3.1): the legacy set with one erase command."""
        base = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, self.erase_cmd, 0x63, 0x73, 0x82, 0x92]
        return base + list(self.extra_cmds)

    def units(self, dual: bool = False) -> list[tuple[int, int, int]]:
        """[(number, address, size)] of every erase unit (page or sector)."""
        runs = self.sectors_dual if dual and self.sectors_dual else self.sectors
        out, a = [], FLASH_BASE
        for count, size in runs:
            for _ in range(count):
                out.append((len(out), a, size))
                a += size
        assert a == self.flash_end, f"{self.name}: sector runs do not add up to the flash size"
        return out

    def erase_time(self, size: int) -> float:
        return self.erase_s.get(size) or max(self.erase_s.values())

    def wrp_groups(self, dual: bool = False) -> list[tuple[int, int, int]]:
        """[(bit, address, size)]: what each write-protection bit covers."""
        units = self.units(dual)
        if not self.wrp_pages_per_bit:
            return [(n, a, s) for n, a, s in units]
        k, out = self.wrp_pages_per_bit, []
        for bit, i in enumerate(range(0, len(units), k)):
            if self.wrp_last_bit_rest and bit == 31:
                out.append((31, units[i][1], self.flash_end - units[i][1]))
                break
            group = units[i:i + k]
            out.append((bit, group[0][1], sum(s for _, _, s in group)))
        return out


U1 = Usart("USART1", "PA9", "PA10")
U3_B = Usart("USART3", "PB10", "PB11")
U3_C = Usart("USART3", "PC10", "PC11")
L1_U2 = Usart("USART2", "PD5", "PD6")
F1_PAGE = {1 * KB: 0.030, 2 * KB: 0.030}                 # F1 page erase 20-40 ms (DS F103/F107)
F4_X8 = {16 * KB: 0.5, 32 * KB: 0.8, 64 * KB: 1.1, 128 * KB: 2.0, 256 * KB: 3.5}  # x8 (bootloader default)
L1_PAGE = {256: 0.00328}                                 # L1 page erase 3.28 ms (DS L151)
F4_OB = dict(ob_base=0x1FFF_C000, ob_size=16)
F7_OB = dict(ob_base=0x1FFF_0000, ob_size=32)
F1_OB = dict(ob_base=0x1FFF_F800, ob_size=16)
L1_OB = dict(ob_base=0x1FF8_0000, ob_size=32)

_F1 = dict(family="f1", erase_cmd=0x43, write_align=4, protocol=0x22, erase_s=F1_PAGE, prog256_s=0.0067,
           startup_s=0.001227, sync_s=0.000158, sysmem=(0x1FFF_F000, 0x1FFF_F800), **F1_OB)
_F4 = dict(family="f4", erase_cmd=0x44, write_align=4, protocol=0x31, erase_s=F4_X8, prog256_s=0.0041,
           sysmem=(0x1FFF_0000, 0x1FFF_7A10), usarts=(U1, U3_B, U3_C), **F4_OB)
_F7 = dict(family="f7", erase_cmd=0x44, write_align=8, protocol=0x31, erase_s=F4_X8, prog256_s=0.0041,
           sysmem=(0x1FF0_0000, 0x1FF0_EDC0), usarts=(U1, U3_B, U3_C), **F7_OB)
_H7 = dict(family="h7", erase_cmd=0x44, write_align=8, protocol=0x31, erase_s={128 * KB: 2.0},
           prog256_s=0.0024, startup_s=0.054, sync_s=0.000228)
_L1 = dict(family="l1", erase_cmd=0x44, write_align=8, protocol=0x31, erase_s=L1_PAGE, prog256_s=0.0066,
           mass_erase=False, wrp_pages_per_bit=16, usarts=(U1, L1_U2),
           sysmem=(0x1FF0_0000, 0x1FF0_2000), **L1_OB)

F4_1MB = ((4, 16 * KB), (1, 64 * KB), (7, 128 * KB))        # RM0090 §3.3 Table 5
F7_1MB = ((4, 32 * KB), (1, 128 * KB), (3, 256 * KB))       # RM0385 §3.3.1
F7_2MB = ((4, 32 * KB), (1, 128 * KB), (7, 256 * KB))       # RM0410 §3.3.1, nDBANK = 1
F7_2MB_DUAL = F4_1MB + F4_1MB                               # RM0410 §3.3.1, nDBANK = 0: bank 2 from sector 12


def _l1(pid, name, size, ram_end, sync, start, bl_id, ob_size=32, double_nack=False):
    return Device(pid, name, flash_size=size, sectors=((size // 256, 256),), ram_free=(0x2000_1000, ram_end),
                  startup_s=start, sync_s=sync, bl_id=bl_id, double_nack=double_nack,
                  **{**_L1, "ob_size": ob_size})


DEVICES = {d.pid: d for d in (
    Device(0x412, "STM32F10x low-density", flash_size=32 * KB, sectors=((32, 1 * KB),),
           ram_free=(0x2000_0200, 0x2000_2800), usarts=(U1,), wrp_pages_per_bit=4, **_F1),
    Device(0x410, "STM32F10x medium-density", flash_size=128 * KB, sectors=((128, 1 * KB),),
           ram_free=(0x2000_0200, 0x2000_5000), usarts=(U1,), wrp_pages_per_bit=4, **_F1),
    Device(0x414, "STM32F10x high-density", flash_size=512 * KB, sectors=((256, 2 * KB),),
           ram_free=(0x2000_0200, 0x2001_0000), usarts=(U1,), wrp_pages_per_bit=2, wrp_last_bit_rest=True,
           **_F1),
    # F105/F107: USART2 is the remapped one on PD5/PD6, 100-pin packages only (AN2606 F105/F107 chapter);
    # PA9 high at reset (VBUS) takes the USB path: 524 ms start-up, 105 ms to ACK (AN2606 timing table).
    Device(0x418, "STM32F105/107 connectivity line", flash_size=256 * KB, sectors=((128, 2 * KB),),
           ram_free=(0x2000_1000, 0x2001_0000), wrp_pages_per_bit=2, wrp_last_bit_rest=True,
           usarts=(U1, Usart("USART2", "PD5", "PD6", "remapped, 100-pin packages only")),
           **{**_F1, "startup_s": 0.001396, "sysmem": (0x1FFF_B000, 0x1FFF_F800)}),
    Device(0x413, "STM32F40x/41x", flash_size=1024 * KB, sectors=F4_1MB, ram_free=(0x2000_3000, 0x2002_0000),
           startup_s=0.0846, sync_s=0.00016, bl_id=0x91, double_nack=True, **_F4),
    Device(0x419, "STM32F42x/43x", flash_size=2048 * KB, sectors=F4_1MB + F4_1MB,
           ram_free=(0x2000_3000, 0x2003_0000), startup_s=0.082, sync_s=0.00016, bl_id=0x91, **_F4),
    Device(0x452, "STM32F72x/73x", flash_size=512 * KB, sectors=((4, 16 * KB), (1, 64 * KB), (3, 128 * KB)),
           ram_free=(0x2000_4000, 0x2004_0000), startup_s=0.0179, sync_s=0.00022, bl_id=0x90, **_F7),
    Device(0x449, "STM32F74x/75x", flash_size=1024 * KB, sectors=F7_1MB, ram_free=(0x2000_4000, 0x2005_0000),
           startup_s=0.0166, sync_s=0.00022, bl_id=0x90, **_F7),
    Device(0x451, "STM32F76x/77x", flash_size=2048 * KB, sectors=F7_2MB, sectors_dual=F7_2MB_DUAL,
           ram_free=(0x2000_4000, 0x2008_0000), startup_s=0.0166, sync_s=0.00022, bl_id=0x93, **_F7),
    Device(0x450, "STM32H74x/75x", flash_size=2048 * KB, sectors=((16, 128 * KB),),
           ram_free=(0x2000_4100, 0x2002_0000), sysmem=(0x1FF0_0000, 0x1FF1_E800),
           usarts=(Usart("USART1", "PA9", "PA10"), Usart("USART1", "PB14", "PB15", "two 0x7F needed"),
                   Usart("USART2", "PA2", "PA3"), U3_B), bl_id=0x92, **_H7),
    # H72x/73x: AN2606 also lists USART3 on PD8/PD9 (a board's ST-LINK virtual COM port may sit there).
    Device(0x483, "STM32H72x/73x", flash_size=1024 * KB, sectors=((8, 128 * KB),),
           ram_free=(0x2400_4000, 0x2405_0000), sysmem=(0x1FF0_0000, 0x1FF2_0000),
           usarts=(U1, Usart("USART2", "PA2", "PA3"), U3_B, Usart("USART3", "PD8", "PD9")), bl_id=0x93, **_H7),
    Device(0x416, "STM32L1 Cat.1 (L1xx6/8/B)", flash_size=128 * KB, sectors=((512, 256),),
           ram_free=(0x2000_0800, 0x2000_4000), startup_s=0.000542, sync_s=0.000164, bl_id=0x20,
           **{**_L1, "protocol": 0x30}),
    _l1(0x429, "STM32L1 Cat.2 (L1xx6/8/BxxA)", 128 * KB, 0x2000_8000, 0.000164, 0.000542, 0x20),
    _l1(0x427, "STM32L1 Cat.3 (L1xxC)", 256 * KB, 0x2000_8000, 0.000164, 0.000708, 0x40, double_nack=True),
    _l1(0x436, "STM32L1 Cat.4 (L1xxD)", 384 * KB, 0x2000_C000, 0.000164, 0.000708, 0x45, ob_size=0xA0,
        double_nack=True),
    _l1(0x437, "STM32L1 Cat.5 (L1xxE)", 512 * KB, 0x2001_4000, 0.000164, 0.000708, 0x40, ob_size=0xA0,
        double_nack=True),
)}


def lookup(pid: int) -> Device:
    try:
        return DEVICES[pid]
    except KeyError:
        known = ", ".join(f"0x{p:03X}" for p in sorted(DEVICES))
        raise UnknownDevice(
            f"the ROM bootloader reports product ID 0x{pid:03X}, which this tool has no memory map for "
            f"(known: {known}); nothing was erased or written. Add a row for it in "
            f"stm32boot/rom/devices.py from its reference manual") from None


def pins_text(dev: Device) -> str:
    return ", ".join(f"{u.name} TX {u.tx} / RX {u.rx}" + (f" ({u.note})" if u.note else "") for u in dev.usarts)
