"""The chip's memories as unicorn mappings (facts in sim/chips/<chip>.py).

RAM regions are plain unicorn RAM. An alias (the F7's flash on ITCM at 0x00200000, RM0385 §2.3.2) maps
the same host bytes a second time. Internal flash
and the system-memory ROM are mapped READ|EXEC over host bytearrays (`mem_map_ptr`), so the FLASH
controller model and the state directory read and change the very bytes the CPU executes, with no
copies; the CPU can never store into them (a guest store raises a write-protection event that the
machine hands to the FLASH controller).
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

from unicorn import UC_PROT_ALL, UC_PROT_EXEC, UC_PROT_READ

# A fixed, recognisable unique ID: the simulated board is always the same board ("SIM-" + name + serial).
def sim_uid(board_name: str) -> bytes:
    return f"SIM-{board_name.upper():<4.4}".encode() + bytes.fromhex("000001ff")


@dataclass
class Region:
    name: str
    base: int
    size: int
    perms: int
    kind: str                       # "ram" | "flash" | "rom" | "window" | "alias:<region>"
    buf: bytearray | None = None    # host-side bytes for flash/rom/window regions
    _cbuf: object = field(default=None, repr=False)  # keeps the ctypes view (and the pointer) alive
    src: "Region | None" = None     # an alias: the region whose bytes it shows

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


def build_regions(board, chip, flash_buf: bytearray) -> list[Region]:
    """The chip's RAM, internal flash, ROMs and aliases (second mappings of the same bytes)."""
    regions = [Region(name, base, size, UC_PROT_ALL, "ram") for name, base, size in chip.RAM]
    fl = board.memory("flash")
    if len(flash_buf) != fl.size:
        raise ValueError(f"flash image is {len(flash_buf)} bytes, the {board.name} has {fl.size}")
    regions.append(Region("FLASH", fl.base, fl.size, UC_PROT_READ | UC_PROT_EXEC, "flash", flash_buf))
    for name, base, size in chip.ROMS:
        # Unused system memory is left erased; the ROM bootloader itself is not modelled.
        regions.append(Region(name, base, size, UC_PROT_READ | UC_PROT_EXEC, "rom", bytearray(b"\xff" * size)))
    _poke(regions, chip.UID_ADDR, sim_uid(board.name))
    _poke(regions, chip.FLASHSIZE_ADDR, (fl.size // 1024).to_bytes(2, "little"))
    for name, base, target in chip.ALIASES:
        t = next(r for r in regions if r.name == target)
        # Read through callbacks into the target's bytes: unicorn 2.1 crashes (SIGSEGV) on guest stores
        # into the write-protected flash while a second RAM mapping of the flash exists (even a copy), so
        # the alias is MMIO. Data reads see the live bytes; code cannot execute from it (unicorn fetches
        # only from RAM mappings) and the CPU boots through the AXIM address instead.
        regions.append(Region(name, base, t.size, t.perms, "alias:" + target, None, src=t))
    return regions


def _poke(regions, addr, data) -> None:
    r = region_at(regions, addr, len(data))
    r.buf[addr - r.base:addr - r.base + len(data)] = data


def map_regions(uc, regions: list[Region]) -> None:
    for r in regions:
        if r.src is not None:
            src = r.src

            def rd(_uc, off, n, _ud=None, src=src):
                return int.from_bytes(src.buf[off:off + n], "little")
            r._cbuf = rd
            uc.mmio_map(r.base, r.size, rd, None, None, None)
        elif r.buf is None:
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
