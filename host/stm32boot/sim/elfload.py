"""Load an ELF into the machine the way a debugger does: every PT_LOAD segment with file contents at
its PHYSICAL address (LMA: .data initialisers land in flash, not in RAM).

Internal flash is written straight into the flash array (a debugger's flash download, not a guest
store), RAM through unicorn, and other windows (the OCTOSPI NOR) through a loader a model registered
with `machine.register_loader(base, size, fn)`. A segment that lands nowhere is an error naming it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from .. import elf32
from . import memory


class ElfLoadError(Exception):
    pass


@dataclass
class LoadedElf:
    path: str
    entry: int
    segments: list[tuple[int, int]]   # (physical address, size) of each loaded segment

    @functools.cached_property
    def symbols(self) -> dict[str, int]:
        """Symbol values, read from the file when first asked (a large symbol table is slow to parse)."""
        from elftools.common.exceptions import ELFError
        from elftools.elf.elffile import ELFFile
        try:
            with open(self.path, "rb") as f:
                symtab = ELFFile(f).get_section_by_name(".symtab")
                return {s.name: s["st_value"] for s in symtab.iter_symbols() if s.name} if symtab else {}
        except (ELFError, OSError, ValueError) as e:
            raise ElfLoadError(f"{self.path}: not a readable ELF file ({e})") from None


def _segments(path):
    """(entry, [(index, physical address, bytes)]) of the PT_LOAD segments with file contents
    (elf32.py: the program headers only; pyelftools would cost its import at every blank board's start)."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise ElfLoadError(f"{path}: no such file (build it first: doit testfw / doit firmware)") from None
    except OSError as e:
        raise ElfLoadError(f"{path}: not a readable ELF file ({e})") from None
    try:
        elf = elf32.read(raw)
    except elf32.ElfFormatError as e:
        raise ElfLoadError(f"{path}: not a readable ELF file ({e})") from None
    if not elf.is_arm32:
        raise ElfLoadError(f"{path}: not an ARM ELF (machine {elf.machine_name}, {elf.elf_class}-bit, "
                           f"{'little' if elf.little_endian else 'big'}-endian)")
    segs = []
    for i, p_type, off, paddr, filesz in elf.segments:
        if p_type == elf32.PT_LOAD and filesz > 0:
            if off + filesz > len(raw):
                raise ElfLoadError(f"{path}: not a readable ELF file (segment {i} runs past the end of "
                                   f"the file)")
            segs.append((i, paddr, raw[off:off + filesz]))
    return elf.entry, segs


def load_elf(m, path) -> LoadedElf:
    entry, segs = _segments(str(path))
    # Check everything before writing anything: a bad file must not half-program the board.
    plan = []
    for idx, addr, data in segs:
        end = addr + len(data)
        r = memory.region_at(m.regions, addr, len(data))
        loader = next((fn for base, size, fn in m._loaders if base <= addr and end <= base + size), None)
        if r is None and loader is None:
            raise ElfLoadError(
                f"{path}: segment {idx} at physical address 0x{addr:08X}-0x{end - 1:08X} "
                f"({len(data)} bytes) lies outside every memory of the {m.board.name} "
                f"({memory.describe(m.regions)})")
        if r is not None and r.kind == "rom":
            raise ElfLoadError(f"{path}: segment {idx} at 0x{addr:08X} targets read-only {r.name}")
        plan.append((addr, data, r, loader))
    for addr, data, r, loader in plan:
        if r is not None and r.kind == "flash":
            off = addr - r.base
            r.buf[off:off + len(data)] = data
            m.flash_changed(addr, addr + len(data))
        elif r is not None:
            m.uc.mem_write(addr, data)
            m.uc.ctl_remove_cache(addr, addr + len(data))
        else:
            loader(addr, data)
    return LoadedElf(str(path), entry, [(a, len(d)) for _, a, d in segs])
