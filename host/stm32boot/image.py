"""Firmware images: ELF, Intel HEX and raw BIN files merged into one sparse image, then checked
against a board before anything touches it.

A file spec is a path, or `path@ADDRESS` for a raw binary (`app.bin@0x08020000`). ELF files give
their PT_LOAD segments at the PHYSICAL (load) address, so `.data` initialisers land where the
startup code copies them from and a section placed at 0x90000000 lands in the NOR.
"""
from __future__ import annotations

import os
import stat
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

ADDR_SPACE = 1 << 32
# How much bigger than the bytes it carries a file may be: Intel HEX spends 2 characters per byte plus
# 11 per record (16-byte records: 2.8x); an ELF adds headers, symbols and debug sections (-g3).
HEX_BOUND, ELF_BOUND = 4, 8
_ELF_NAMES, _HEX_NAMES = (".elf", ".axf", ".out"), (".hex", ".ihex", ".ihx")


def _parse_spec(spec: str) -> tuple[str, int | None]:
    path, sep, base = spec.rpartition("@")
    if not sep or os.path.exists(spec):
        return spec, None
    try:
        addr = int(base, 0)
    except ValueError:
        raise ImageError(f"{spec}: cannot read {base!r} as a base address "
                         f"(write it like app.bin@0x08020000)") from None
    if not 0 <= addr < ADDR_SPACE:
        raise ImageError(f"{spec}: base address {base} is outside the 32-bit address space "
                         f"(write it like app.bin@0x08020000)")
    return path, addr


def _read_bounded(path: str, limit: int, what: str) -> bytes:
    """The file's bytes, refused before reading when it is not a regular file or is larger than
    `limit` (a FIFO, a device or an endless file would block or exhaust memory)."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not wait for one.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise ImageError(f"{path}: cannot read: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else
                    "a FIFO" if stat.S_ISFIFO(st.st_mode) else
                    "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                    "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise ImageError(f"{path}: is {kind}, not an image file; save the image to a regular "
                             f"file first")
        if st.st_size > limit:
            raise ImageError(f"{path}: is {_fmt_size(st.st_size)}, larger than any {what} "
                             f"({_fmt_size(limit)}); is it the right file?")
        os.set_blocking(fd, True)
        f = os.fdopen(fd, "rb", buffering=0)
    except BaseException:
        os.close(fd)
        raise
    with f:
        chunks, n = [], 0
        while n <= limit:             # the file may grow while we read: stop at the bound
            c = f.read(min(1 << 20, limit + 1 - n))
            if not c:
                break
            chunks.append(c)
            n += len(c)
        if n > limit:
            raise ImageError(f"{path}: is larger than any {what} ({_fmt_size(limit)}); "
                             f"is it the right file?")
        return b"".join(chunks)


def _read_elf(path: str, raw: bytes) -> list[Segment]:
    from . import elf32
    try:
        elf = elf32.read(raw)
    except elf32.ElfFormatError as e:
        raise ImageError(f"{path}: malformed ELF file: {e}") from None
    if elf.elf_class != 32 or elf.machine != elf32.EM_ARM:
        raise ImageError(f"{path}: not a 32-bit ARM ELF (class {elf.elf_class}, "
                         f"machine {elf.machine_name}): was it built with arm-none-eabi-gcc?")
    if not elf.little_endian:
        raise ImageError(f"{path}: a big-endian ARM ELF: Cortex-M images are little-endian; "
                         f"was it built with arm-none-eabi-gcc without -mbig-endian?")
    out = []
    for _, p_type, offset, paddr, filesz in elf.segments:
        # Only bytes present in the file are programmed: NOBITS (.bss, .noinit) have filesz 0
        # or sit past filesz, and are the startup code's job.
        if p_type != elf32.PT_LOAD or filesz == 0:
            continue
        if offset + filesz > len(raw):
            raise ImageError(f"{path}: truncated ELF: the segment for 0x{paddr:08X} "
                             f"needs {filesz} bytes at file offset "
                             f"{offset}, the file has {len(raw)} bytes")
        if paddr + filesz > ADDR_SPACE:
            raise ImageError(f"{path}: malformed ELF file: the segment at 0x{paddr:08X} "
                             f"({filesz} bytes) runs past the 32-bit address space")
        out.append(Segment(paddr, bytes(raw[offset:offset + filesz]), path))
    return out


# Intel HEX record types (Intel, "Hexadecimal Object File Format Specification" rev A, 1988).
_DATA, _EOF, _ESA, _SSA, _ELA, _SLA = range(6)
_HEX_LEN = {_EOF: 0, _ESA: 2, _SSA: 4, _ELA: 2, _SLA: 4}   # fixed lengths; data is 0..255


def _read_hex(path: str, raw: bytes) -> list[Segment]:
    """Every record checked (start code, hex digits, length, checksum, type, fixed fields); the
    file must end with its EOF record, so a file cut at a record boundary is refused."""
    def bad(lineno: int, why: str) -> ImageError:
        return ImageError(f"{path}: line {lineno}: malformed Intel HEX: {why}")

    runs: list[tuple[int, bytearray]] = []
    base = 0
    eof_line = None
    lines = raw.split(b"\n")
    for i, line in enumerate(lines, 1):
        line = line.rstrip(b"\r")
        if eof_line is not None:
            if line.strip():
                raise bad(i, f"data after the end-of-file record of line {eof_line}")
            continue
        if not line:
            if i == len(lines):
                break
            raise bad(i, "empty line")
        if line[:1] != b":":
            raise bad(i, f"a record starts with ':', this line with {line[:1].decode('latin-1')!r}")
        try:
            rec = bytes.fromhex(line[1:].decode("ascii"))
            if len(line) % 2 == 0:
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            raise bad(i, "a record is ':' then an even number of hex digits") from None
        if len(rec) < 5:
            raise bad(i, f"a record has at least 5 bytes, this one {len(rec)}")
        n, off, kind = rec[0], int.from_bytes(rec[1:3], "big"), rec[3]
        if len(rec) != n + 5:
            raise bad(i, f"the record says {n} data bytes but carries {len(rec) - 5}")
        if sum(rec) & 0xFF:
            want = (-sum(rec[:-1])) & 0xFF
            raise bad(i, f"checksum 0x{rec[-1]:02X} is wrong (the record's bytes need 0x{want:02X})")
        data = rec[4:-1]
        if kind == _DATA:
            addr = base + off
            if addr + n > ADDR_SPACE:
                raise bad(i, f"data at 0x{addr:08X} runs past the 32-bit address space")
            if runs and runs[-1][0] + len(runs[-1][1]) == addr:
                runs[-1][1].extend(data)         # contiguous records: one segment
            elif n:
                runs.append((addr, bytearray(data)))
            continue
        if kind not in _HEX_LEN:
            raise bad(i, f"unknown record type {kind:02X} (types are 00..05)")
        if n != _HEX_LEN[kind] or (off != 0 and kind != _EOF):
            raise bad(i, f"a type {kind:02X} record has length {_HEX_LEN[kind]} and address 0000")
        if kind == _EOF:
            eof_line = i
        elif kind == _ESA:
            base = int.from_bytes(data, "big") << 4
        elif kind == _ELA:
            base = int.from_bytes(data, "big") << 16
        # start addresses (03, 05) say where execution begins: nothing to program
    if eof_line is None:
        raise ImageError(f"{path}: malformed Intel HEX: no end-of-file record (:00000001FF); the "
                         f"file is incomplete (cut short while copying or writing?)")
    return [Segment(a, bytes(d), path) for a, d in runs]


def read_file(spec: str, limit: int | None = None) -> list[Segment]:
    """The segments of one file spec (ELF, HEX, or BIN@ADDRESS), in file order. `limit`: the most
    bytes any memory of the board holds (the default: the 32-bit address space); larger inputs
    are refused before they are read. `@ADDRESS` always means a raw binary, whatever its bytes."""
    path, base = _parse_spec(spec)
    limit = ADDR_SPACE if limit is None else limit
    what = "memory of the board" if limit < ADDR_SPACE else "32-bit address space"
    lower = path.lower()
    if base is not None:
        # The name, never the bytes, can contradict `@`: a raw binary may start with ':' or 7F 'ELF'.
        if lower.endswith(_ELF_NAMES + _HEX_NAMES):
            kind = "ELF" if lower.endswith(_ELF_NAMES) else "HEX"
            raise ImageError(f"{spec}: a base address only applies to raw binaries; {kind} files "
                             f"carry their own addresses (drop the @..., or name a raw file .bin)")
        raw = _read_bounded(path, limit, what)
        if base + len(raw) > ADDR_SPACE:
            raise ImageError(f"{spec}: {len(raw)} bytes at 0x{base:08X} run past the 32-bit "
                             f"address space")
        segs = [Segment(base, raw, path)] if raw else []
    else:
        # Text and debug information make HEX and ELF files bigger than the bytes they carry.
        raw = _read_bounded(path, limit * max(HEX_BOUND, ELF_BOUND), what + " (as a file)")
        is_elf = raw[:4] == b"\x7fELF"
        is_hex = lower.endswith(_HEX_NAMES) or raw[:1] == b":"
        if not is_elf and lower.endswith(_ELF_NAMES):
            raise ImageError(f"{path}: malformed ELF file: it does not start with the ELF magic "
                             f"bytes 7F 45 4C 46 (got {raw[:4].hex(' ').upper() or 'an empty file'})")
        if is_elf:
            segs = _read_elf(path, raw)
        elif is_hex:
            if len(raw) > limit * HEX_BOUND:
                raise ImageError(f"{path}: is {_fmt_size(len(raw))}, more Intel HEX than any "
                                 f"{what} can take ({_fmt_size(limit * HEX_BOUND)}); is it the right file?")
            segs = _read_hex(path, raw)
        else:
            raise ImageError(f"{path}: not an ELF or Intel HEX file; for a raw binary give its "
                             f"address as {path}@0x08020000")
        big = next((s for s in segs if len(s.data) > limit), None)
        if big is not None:
            raise ImageError(f"{path}: the segment at 0x{big.addr:08X} is {_fmt_size(len(big.data))}, "
                             f"larger than any {what} ({_fmt_size(limit)})")
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


def load(specs: list[str], board: Board | None = None) -> Image:
    """Read and merge every file spec; with a board, no input may be larger than its largest
    writable memory (checked before the file is read)."""
    if not specs:
        raise ImageError("no image given")
    limit = max(m.size for m in board.memories if m.writable) if board is not None else None
    segs: list[Segment] = []
    for spec in specs:
        segs += read_file(spec, limit)
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
