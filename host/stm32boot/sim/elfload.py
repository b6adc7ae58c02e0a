"""Load an ELF into the machine the way a debugger does: every PT_LOAD segment with file contents at
its PHYSICAL address (LMA: .data initialisers land in flash, not in RAM).

Internal flash is written straight into the flash array (a debugger's flash download, not a guest
store), RAM through unicorn, and other windows (the OCTOSPI NOR) through a loader a model registered
with `machine.register_loader(base, size, fn)`. A segment that lands nowhere is an error naming it.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

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
        try:
            with open(self.path, "rb") as f:
                symtab = ELFFile(f).get_section_by_name(".symtab")
                return {s.name: s["st_value"] for s in symtab.iter_symbols() if s.name} if symtab else {}
        except (ELFError, OSError, ValueError) as e:
            raise ElfLoadError(f"{self.path}: not a readable ELF file ({e})") from None


def _segments(path):
    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            if elf["e_machine"] != "EM_ARM":
                raise ElfLoadError(f"{path}: not an ARM ELF (machine {elf['e_machine']})")
            segs = [(i, s["p_paddr"], s.data()) for i, s in enumerate(elf.iter_segments())
                    if s["p_type"] == "PT_LOAD" and s["p_filesz"] > 0]
            return elf["e_entry"], segs
    except FileNotFoundError:
        raise ElfLoadError(f"{path}: no such file (build it first: doit testfw / doit firmware)") from None
    except (ELFError, OSError, ValueError) as e:
        raise ElfLoadError(f"{path}: not a readable ELF file ({e})") from None


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
