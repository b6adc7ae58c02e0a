"""The loadable segments of an ELF file: the file header and the program header table, read with struct
(System V ABI, "ELF" chapter: e_ident, Elf32_Ehdr, Elf32_Phdr). That is all flashing or loading an image
needs; pyelftools (which the symbol lookups still use) costs ~20 ms to import, paid by every `stm32boot
flash` of an ELF and every start of a blank simulated board.

`read(raw)` -> Elf(elf_class, machine, little_endian, entry, segments); each segment (index, p_type, offset,
paddr, filesz). A file too short for what its header promises raises ElfFormatError; what is acceptable
(32-bit ARM, segments inside the file) is the caller's to decide and to say."""
from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"\x7fELF"
ELFCLASS32, ELFCLASS64 = 1, 2
ELFDATA2LSB = 1
EM_ARM, PT_LOAD = 40, 1
MACHINES = {3: "EM_386", 8: "EM_MIPS", 40: "EM_ARM", 62: "EM_X86_64", 183: "EM_AARCH64", 243: "EM_RISCV"}


class ElfFormatError(ValueError):
    """The bytes are not a readable ELF file (the reason, without the file name)."""


@dataclass(frozen=True)
class Elf:
    elf_class: int          # 32 or 64
    machine: int            # e_machine
    little_endian: bool
    entry: int
    segments: list[tuple[int, int, int, int, int]]   # (index, p_type, p_offset, p_paddr, p_filesz)

    @property
    def machine_name(self) -> str:
        return MACHINES.get(self.machine, f"EM_{self.machine}")

    @property
    def is_arm32(self) -> bool:
        return self.elf_class == 32 and self.machine == EM_ARM and self.little_endian


def read(raw: bytes) -> Elf:
    if raw[:4] != MAGIC:
        raise ElfFormatError("Magic number does not match")
    if len(raw) < 20 or raw[4] not in (ELFCLASS32, ELFCLASS64) or raw[5] not in (1, 2):
        raise ElfFormatError("invalid ELF identification (class or data encoding)")
    end = "<" if raw[5] == ELFDATA2LSB else ">"
    (machine,) = struct.unpack_from(end + "H", raw, 18)
    if raw[4] == ELFCLASS64:    # only named (a wrong file), never loaded
        return Elf(64, machine, end == "<", 0, [])
    ehdr = struct.Struct(end + "HHIIIIIHHHHHH")   # type .. shstrndx, after e_ident
    phdr = struct.Struct(end + "IIIIIIII")        # type, offset, vaddr, paddr, filesz, memsz, flags, align
    if len(raw) < 16 + ehdr.size:
        raise ElfFormatError(f"the file header is cut short ({len(raw)} bytes)")
    _, _, _, entry, phoff, _, _, _, phentsize, phnum, *_ = ehdr.unpack_from(raw, 16)
    if phnum and phentsize < phdr.size:
        raise ElfFormatError(f"program header entries of {phentsize} bytes (an Elf32_Phdr has {phdr.size})")
    if phoff + phnum * phentsize > len(raw):
        raise ElfFormatError(f"the program header table ({phnum} entries at offset {phoff}) runs past the "
                             f"end of the file ({len(raw)} bytes)")
    segs = []
    for i in range(phnum):
        p_type, off, _, paddr, filesz, *_ = phdr.unpack_from(raw, phoff + i * phentsize)
        segs.append((i, p_type, off, paddr, filesz))
    return Elf(32, machine, end == "<", entry, segs)
