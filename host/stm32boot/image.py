"""Firmware images: ELF, Intel HEX and raw BIN files merged into one sparse image, then checked
against a board before anything touches it.

A file spec is a path, or `path@ADDRESS` for a raw binary (`app.bin@0x08020000`). ELF files give
their PT_LOAD segments at the PHYSICAL (load) address, so `.data` initialisers land where the
startup code copies them from and a section placed at 0x90000000 lands in the NOR.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

from .boards import Board, Memory


class ImageError(ValueError):
    """A file that cannot be used as an image, or an image that does not fit the board."""


@dataclass(frozen=True)
class Segment:
    addr: int
    data: bytes
    source: str                 # the file it came from, for error messages

    @property
    def end(self) -> int:
        return self.addr + len(self.data)


@dataclass
class Image:
    """Sorted, non-overlapping, non-adjacent chunks of bytes; each remembers which files fed it."""
    chunks: list[tuple[int, bytes]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    _spans: list[tuple[int, int, str]] = field(default_factory=list, repr=False)

    @property
    def size(self) -> int:
        return sum(len(d) for _, d in self.chunks)

    def source_at(self, addr: int) -> str:
        for lo, hi, src in self._spans:
            if lo <= addr < hi:
                return src
        return "?"


def _fmt_size(n: int) -> str:
    for unit, div in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div} {unit}"
    return f"{n} bytes"


# --- readers ---------------------------------------------------------------------------------

def _parse_spec(spec: str) -> tuple[str, int | None]:
    path, sep, base = spec.rpartition("@")
    if not sep or os.path.exists(spec):
        return spec, None
    try:
        return path, int(base, 0)
    except ValueError:
        raise ImageError(f"{spec}: cannot read {base!r} as a base address "
                         f"(write it like app.bin@0x08020000)") from None


def _read_elf(path: str, raw: bytes) -> list[Segment]:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    try:
        elf = ELFFile(io.BytesIO(raw))
        if elf.elfclass != 32 or elf["e_machine"] != "EM_ARM":
            raise ImageError(f"{path}: not a 32-bit ARM ELF (class {elf.elfclass}, "
                             f"machine {elf['e_machine']}): was it built with arm-none-eabi-gcc?")
        out = []
        for seg in elf.iter_segments():
            # Only bytes present in the file are programmed: NOBITS (.bss, .noinit) have filesz 0
            # or sit past filesz, and are the startup code's job.
            if seg["p_type"] != "PT_LOAD" or seg["p_filesz"] == 0:
                continue
            data = seg.data()
            if len(data) != seg["p_filesz"]:
                raise ImageError(f"{path}: truncated ELF: the segment for 0x{seg['p_paddr']:08X} "
                                 f"needs {seg['p_filesz']} bytes at file offset "
                                 f"{seg['p_offset']}, the file has {len(data)}")
            out.append(Segment(seg["p_paddr"], bytes(data), path))
    except ImageError:
        raise
    except (ELFError, ValueError, KeyError, EOFError, IndexError) as e:  # pyelftools' parse errors
        raise ImageError(f"{path}: malformed ELF file: {e}") from None
    except Exception as e:  # construct's StreamError and friends: still a file problem
        raise ImageError(f"{path}: malformed ELF file ({type(e).__name__}: {e})") from None
    return out


def _read_hex(path: str, raw: bytes) -> list[Segment]:
    from intelhex import IntelHex, IntelHexError
    text = raw.decode("ascii", errors="replace")
    ih = IntelHex()
    try:
        ih.loadhex(io.StringIO(text))
    except IntelHexError as e:
        line = getattr(e, "line", None)
        where = f" line {line}" if line else ""
        raise ImageError(f"{path}:{where}: malformed Intel HEX: {e}") from None
    return [Segment(lo, ih.tobinstr(start=lo, end=hi - 1), path) for lo, hi in ih.segments()]


def read_file(spec: str) -> list[Segment]:
    """The segments of one file spec (ELF, HEX, or BIN@ADDRESS), in file order."""
    path, base = _parse_spec(spec)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise ImageError(f"{path}: cannot read: {e.strerror}") from None
    is_elf = raw[:4] == b"\x7fELF"
    is_hex = path.lower().endswith((".hex", ".ihex", ".ihx")) or raw[:1] == b":"
    if base is not None and (is_elf or is_hex):
        raise ImageError(f"{spec}: a base address only applies to raw binaries; "
                         f"{'ELF' if is_elf else 'HEX'} files carry their own addresses")
    if not is_elf and path.lower().endswith((".elf", ".axf", ".out")):
        raise ImageError(f"{path}: malformed ELF file: it does not start with the ELF magic "
                         f"bytes 7F 45 4C 46 (got {raw[:4].hex(' ').upper() or 'an empty file'})")
    if is_elf:
        segs = _read_elf(path, raw)
    elif is_hex:
        segs = _read_hex(path, raw)
    elif base is None:
        raise ImageError(f"{path}: not an ELF or Intel HEX file; for a raw binary give its address "
                         f"as {path}@0x08020000")
    else:
        segs = [Segment(base, raw, path)] if raw else []
    if not segs:
        raise ImageError(f"{path}: contains no bytes to program")
    return segs


# --- merging ---------------------------------------------------------------------------------

def merge(segments: list[Segment]) -> Image:
    """Join segments into one image. Overlaps must carry identical bytes, else ImageError naming
    the first differing address and both files."""
    img = Image()
    cur_lo, cur = None, bytearray()
    for seg in sorted(segments, key=lambda s: s.addr):
        if seg.source not in img.sources:
            img.sources.append(seg.source)
        if cur_lo is not None and seg.addr <= cur_lo + len(cur):
            off = seg.addr - cur_lo
            common = min(len(cur) - off, len(seg.data))
            if cur[off:off + common] != seg.data[:common]:
                i = next(i for i in range(common) if cur[off + i] != seg.data[i])
                addr = seg.addr + i
                raise ImageError(
                    f"images overlap with different bytes at 0x{addr:08X}: "
                    f"{img.source_at(addr)} has 0x{cur[off + i]:02X}, "
                    f"{seg.source} has 0x{seg.data[i]:02X}")
            cur += seg.data[common:]
        else:
            if cur_lo is not None:
                img.chunks.append((cur_lo, bytes(cur)))
            cur_lo, cur = seg.addr, bytearray(seg.data)
        img._spans.append((seg.addr, seg.end, seg.source))
    if cur_lo is not None:
        img.chunks.append((cur_lo, bytes(cur)))
    return img


def load(specs: list[str]) -> Image:
    """Read and merge every file spec."""
    if not specs:
        raise ImageError("no image given")
    segs: list[Segment] = []
    for spec in specs:
        segs += read_file(spec)
    return merge(segs)


# --- board checks ----------------------------------------------------------------------------

def describe_memories(board: Board) -> str:
    return ", ".join(f"{m.name} 0x{m.base:08X}-0x{m.end - 1:08X} ({_fmt_size(m.size)})"
                     for m in board.memories if m.writable)


def bootloader_range(board: Board) -> tuple[int, int]:
    """[lo, hi) reserved for our bootloader at the start of internal flash."""
    flash = next(m for m in board.memories if m.kind == "internal")
    return flash.base, flash.base + board.bootloader_size


def split(image: Image, board: Board) -> dict[Memory, list[tuple[int, bytes]]]:
    """Per writable memory, the image's chunks inside it. Raises ImageError if any byte is outside
    every writable memory or inside the bootloader's reserved area (nothing is touched yet)."""
    bl_lo, bl_hi = bootloader_range(board)
    out: dict[Memory, list[tuple[int, bytes]]] = {}
    for addr, data in image.chunks:
        end = addr + len(data)
        if addr < bl_hi and end > bl_lo:
            first = max(addr, bl_lo)
            raise ImageError(
                f"image would overwrite the bootloader at 0x{bl_lo:08X}..0x{bl_hi - 1:08X} "
                f"(byte 0x{first:08X} from {image.source_at(first)}); link the application at "
                f"0x{bl_hi:08X} or later")
        pos = addr
        while pos < end:
            mem = next((m for m in board.memories if m.writable and m.base <= pos < m.end), None)
            if mem is None:
                raise ImageError(
                    f"image has bytes at 0x{pos:08X} (from {image.source_at(pos)}) outside the "
                    f"{board.name} board's writable memories: {describe_memories(board)}")
            stop = min(end, mem.end)
            out.setdefault(mem, []).append((pos, data[pos - addr:stop - addr]))
            pos = stop
    return out
