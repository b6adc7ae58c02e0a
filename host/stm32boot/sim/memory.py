"""The board's memories as unicorn mappings (h735-hardware.md §1).

RAM regions come from the Board description (`board.ram`) and are plain unicorn RAM. Internal flash
and the system-memory ROM are mapped READ|EXEC over host bytearrays (`mem_map_ptr`), so the FLASH
controller model and the state directory read and change the very bytes the CPU executes, with no
copies; the CPU can never store into them (a guest store raises a write-protection event that the
machine hands to the FLASH controller).
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

from unicorn import UC_PROT_ALL, UC_PROT_EXEC, UC_PROT_READ

SYSMEM_BASE = 0x1FF0_0000   # system memory (ST ROM bootloader), 128 KB, read-only (§1)
SYSMEM_SIZE = 128 * 1024
UID_ADDR = 0x1FF1_E800      # 96-bit unique ID (§1)
FLASHSIZE_ADDR = 0x1FF1_E880  # flash size in KB, 16-bit (§1)
# A fixed, recognisable unique ID: the simulated board is always the same board.
SIM_UID = bytes.fromhex("53494d2d48373335000001ff")  # "SIM-H735" + serial


@dataclass
class Region:
    name: str
    base: int
    size: int
    perms: int
    kind: str                       # "ram" | "flash" | "rom" | "window"
    buf: bytearray | None = None    # host-side bytes for flash/rom/window regions
    _cbuf: object = field(default=None, repr=False)  # keeps the ctypes view (and the pointer) alive

    @property
    def end(self) -> int:
        return self.base + self.size

    def contains(self, addr: int, length: int = 1) -> bool:
        return self.base <= addr and addr + length <= self.end


def map_ptr(uc, base: int, size: int, perms: int, buf) -> object:
    """mem_map_ptr over a writable Python buffer; returns the ctypes view that must stay alive."""
    cbuf = (ctypes.c_char * size).from_buffer(buf)
    uc.mem_map_ptr(base, size, perms, ctypes.addressof(cbuf))
    return cbuf


def build_regions(board, flash_buf: bytearray) -> list[Region]:
    regions = [Region(name, base, size, UC_PROT_ALL, "ram") for name, base, size in board.ram]
    fl = board.memory("flash")
    if len(flash_buf) != fl.size:
        raise ValueError(f"flash image is {len(flash_buf)} bytes, the {board.name} has {fl.size}")
    regions.append(Region("FLASH", fl.base, fl.size, UC_PROT_READ | UC_PROT_EXEC, "flash", flash_buf))
    rom = bytearray(b"\xff" * SYSMEM_SIZE)
    # Unused system memory is left erased; the ROM bootloader itself is not modelled.
    uid_off = UID_ADDR - SYSMEM_BASE
    rom[uid_off:uid_off + 12] = SIM_UID
    fs_off = FLASHSIZE_ADDR - SYSMEM_BASE
    rom[fs_off:fs_off + 2] = (fl.size // 1024).to_bytes(2, "little")
    regions.append(Region("SYSMEM", SYSMEM_BASE, SYSMEM_SIZE, UC_PROT_READ | UC_PROT_EXEC, "rom", rom))
    return regions


def map_regions(uc, regions: list[Region]) -> None:
    for r in regions:
        if r.buf is None:
            uc.mem_map(r.base, r.size, r.perms)
        else:
            r._cbuf = map_ptr(uc, r.base, r.size, r.perms, r.buf)


def region_at(regions: list[Region], addr: int, length: int = 1) -> Region | None:
    for r in regions:
        if r.contains(addr, length):
            return r
    return None


def describe(regions: list[Region]) -> str:
    return ", ".join(f"{r.name} 0x{r.base:08X}-0x{r.end - 1:08X}" for r in regions)
