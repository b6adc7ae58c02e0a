"""Sparse persistence of a large erased-is-0xFF memory (the 64 MB NOR): only sectors that differ
from the erased value are stored, so a chip holding 100 KB costs ~100 KB on disk and loads in
milliseconds. Format: magic, total size, sector size, count, then (index u32, sector bytes)*count.
Written to a temporary file and renamed, so a killed run never leaves a torn file."""
from __future__ import annotations

import os
import struct

MAGIC = b"STM32BOOT-SPARSE1"
_HDR = struct.Struct("<17sIII")


class SparseFormatError(Exception):
    pass


def save(path: str, mem, sector: int = 4096, erased: int = 0xFF) -> int:
    """Write the non-erased sectors of `mem`; returns how many were stored."""
    blank = bytes([erased]) * sector
    mv = memoryview(mem)
    keep = [i for i in range(len(mem) // sector) if mv[i * sector:(i + 1) * sector] != blank]
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(_HDR.pack(MAGIC, len(mem), sector, len(keep)))
        for i in keep:
            f.write(struct.pack("<I", i))
            f.write(mv[i * sector:(i + 1) * sector])
    os.replace(tmp, path)
    return len(keep)


def load(path: str, mem, erased: int = 0xFF) -> int:
    """Fill `mem` (erased first) from a file written by save(); returns the sector count read."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < _HDR.size:
        raise SparseFormatError(f"{path}: truncated header ({len(raw)} bytes)")
    magic, size, sector, count = _HDR.unpack_from(raw)
    if magic != MAGIC:
        raise SparseFormatError(f"{path}: not a sparse memory image (bad magic)")
    if size != len(mem):
        raise SparseFormatError(f"{path}: holds a {size}-byte memory, expected {len(mem)}")
    need = _HDR.size + count * (4 + sector)
    if len(raw) != need:
        raise SparseFormatError(f"{path}: truncated or corrupt ({len(raw)} bytes, expected {need})")
    mem[:] = bytes([erased]) * len(mem)
    off = _HDR.size
    for _ in range(count):
        (i,) = struct.unpack_from("<I", raw, off)
        if (i + 1) * sector > size:
            raise SparseFormatError(f"{path}: sector index {i} out of range")
        mem[i * sector:(i + 1) * sector] = raw[off + 4:off + 4 + sector]
        off += 4 + sector
    return count
