"""CRC-32/MPEG-2 and page packing, in C (native/crc32.c, native/pack.c).

The compiled module stm32boot._native is private: use these functions. There is deliberately no
pure-Python fallback; a missing build is an error that says how to build it.

    crc32(data, value=0xFFFFFFFF) -> int          same CRC as the STM32 CRC unit and our firmware
    pack(segments, base, size, sectors, page_size, ...) -> PackResult
    pack_memory(segments, memory) -> PackResult   with a boards.Memory for the geometry
"""
from __future__ import annotations

import struct
from typing import Iterable, Iterator, NamedTuple

try:
    from ._native import ffi, lib
except ImportError as exc:  # pragma: no cover - depends on the build state
    raise ImportError("stm32boot's native module is not built: run `./dev native` "
                      "(or `doit native` in the activated venv)") from exc

CRC_INIT = 0xFFFFFFFF
_U64 = 1 << 64
# pack_sector {uint64 addr; uint64 size; uint32 crc;} in native byte order, with its tail padding.
_SECTOR = struct.Struct(f"=QQI{ffi.sizeof('pack_sector') - 20}x")


def crc32(data, value: int = CRC_INIT) -> int:
    """CRC-32/MPEG-2 of a bytes-like object, continuing from `value` (the running CRC).

    crc32(b, crc32(a)) == crc32(a + b). Contiguous buffers (bytes, bytearray, memoryview slices,
    arrays) are read in place, without a copy.
    """
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"crc32: running value must be a 32-bit unsigned int, got {value!r}")
    buf = _buffer(data)
    return lib.crc32_mpeg2(value, buf, len(buf))


def _buffer(data):
    try:
        return ffi.from_buffer(data)
    except BufferError:  # non-contiguous view (e.g. a strided slice): the one case that copies
        return ffi.from_buffer(memoryview(data).tobytes())
    except TypeError:
        raise TypeError(f"expected a bytes-like object, got {type(data).__name__}") from None


class PackError(ValueError):
    """The image cannot be packed for this memory. `address` names the offending byte, if any."""

    def __init__(self, message: str, address: int | None = None):
        super().__init__(message)
        self.address = address


class Sector(NamedTuple):
    addr: int
    size: int
    crc: int  # CRC-32/MPEG-2 of the sector's whole intended content (erased value where no image byte)


class PackResult:
    """Pages to program (page-aligned, padded with the erased value, blank pages left out) and the
    touched sectors with their CRCs. Page data lives in one C buffer; views are read-only and keep
    it alive."""

    def __init__(self, res, page_size: int, erased: int):
        self.page_size = page_size
        self.erased = erased
        self.page_count = res.npages
        self.blank_pages = res.blank_pages  # touched pages dropped because they were all erased
        data = ffi.gc(res.data, lib.pack_free, size=res.npages * page_size)  # size: GC memory pressure
        addrs = ffi.gc(res.page_addr, lib.pack_free)
        sectors = ffi.gc(res.sectors, lib.pack_free)
        self.data = memoryview(ffi.buffer(data, res.npages * page_size)).toreadonly()
        self.page_addresses = memoryview(ffi.buffer(addrs, res.npages * 8)).cast("B").cast("Q").toreadonly()
        self._sectors_c, self._nsectors, self._sectors = sectors, res.nsectors, None

    def __len__(self) -> int:
        return self.page_count

    def page(self, i: int) -> tuple[int, memoryview]:
        ps = self.page_size
        return self.page_addresses[i], self.data[i * ps:(i + 1) * ps]

    def iter_pages(self) -> Iterator[tuple[int, memoryview]]:
        """(address, read-only view of page_size bytes) in ascending address order."""
        ps, data = self.page_size, self.data
        for i, addr in enumerate(self.page_addresses):
            yield addr, data[i * ps:(i + 1) * ps]

    @property
    def pages(self) -> list[tuple[int, bytes]]:
        """Convenience copy as (address, bytes); iter_pages() avoids the copies."""
        return [(a, bytes(v)) for a, v in self.iter_pages()]

    @property
    def sectors(self) -> list[Sector]:
        """Touched sectors (any image byte inside), ascending."""
        if self._sectors is None:
            raw = ffi.buffer(self._sectors_c, self._nsectors * _SECTOR.size)
            self._sectors = list(map(Sector._make, _SECTOR.iter_unpack(raw)))
        return self._sectors

    def __repr__(self) -> str:
        return (f"PackResult({self.page_count} pages of {self.page_size} B, {self.blank_pages} blank "
                f"dropped, {self._nsectors} sectors)")


def pack(segments: Iterable[tuple[int, object]], base: int, size: int,
         sectors: Iterable[tuple[int, int]], page_size: int, erased: int = 0xFF,
         program_unit: int | None = None, name: str = "memory") -> PackResult:
    """Pack a sparse image for one memory.

    segments: (address, bytes-like) in any order; overlaps must hold identical bytes.
    sectors: [(address, size), ...] tiling [base, base + size) in order; sizes may differ.
    page_size: program granularity; base and every sector size must be multiples of it.
    program_unit: must divide page_size (pages are page-aligned, so they are unit-aligned too).
    name: the memory's name, used in error messages.
    """
    runs = _runs(list(sectors), base, size, name)
    return _pack(segments, base, size, runs, page_size, erased,
                 page_size if program_unit is None else program_unit, name)


def pack_memory(segments: Iterable[tuple[int, object]], memory) -> PackResult:
    """pack() with the geometry of a boards.Memory (its (count, size) sector runs as they are)."""
    return _pack(segments, memory.base, memory.size, list(memory.sectors), memory.page_size,
                 memory.erased, memory.program_unit, memory.name)


def _runs(sectors, base, size, name):
    """(address, size) list -> (count, size) runs, checking the sectors follow each other."""
    runs, at = [], base
    for addr, ssize in sectors:
        if addr != at:
            raise PackError(f"{name}: sector list is not contiguous: sector at 0x{addr:08X}, "
                            f"expected one at 0x{at:08X}")
        if runs and runs[-1][1] == ssize:
            runs[-1][0] += 1
        else:
            runs.append([1, ssize])
        at += ssize
    return runs


def _pack(segments, base, size, runs, page_size, erased, program_unit, name):
    for v, what in ((base, "base"), (size, "size"), (page_size, "page_size"), (program_unit, "program_unit")):
        if not 0 <= v < _U64:
            raise PackError(f"{name}: {what} {v!r} is not a 64-bit unsigned integer")
    if not 0 <= erased <= 0xFF:
        raise PackError(f"{name}: erased value {erased!r} is not a byte")
    segments = list(segments)
    csegs = ffi.new("pack_segment[]", len(segments))
    keep, beyond = [], []  # buffers must outlive the C call; addresses C cannot represent
    for i, (addr, data) in enumerate(segments):
        buf = _buffer(data)
        keep.append(buf)
        if len(buf) and not 0 <= addr < _U64:
            beyond.append(addr)
        elif len(buf):
            csegs[i].addr, csegs[i].len, csegs[i].data = addr, len(buf), buf
    if any(a < 0 for a in beyond):
        raise _outside(min(beyond), name, base, size)
    cruns = ffi.new("pack_run[]", [tuple(r) for r in runs])
    geom = ffi.new("pack_geometry *", (base, size, cruns, len(runs), page_size, program_unit, erased))
    res = ffi.new("pack_result *")
    err = lib.pack_image(csegs, len(segments), geom, res)
    del keep
    result = PackResult(res, page_size, erased) if err == lib.PACK_OK else None  # owns the C arrays
    if beyond and err in (lib.PACK_OK, lib.PACK_E_CONFLICT):  # C saw no byte outside below 2**64
        raise _outside(min(beyond), name, base, size)
    if result is not None:
        return result
    raise _error(res, err, name, base, size, page_size, program_unit)


def _hex(addr: int) -> str:
    return f"-0x{-addr:08X}" if addr < 0 else f"0x{addr:08X}"


def _outside(addr, name, base, size) -> PackError:
    return PackError(f"image byte at {_hex(addr)} is outside {name} [0x{base:08X}, 0x{base + size:08X})", addr)


def _error(res, err, name, base, size, page_size, program_unit) -> PackError:
    if err == lib.PACK_E_RANGE:
        return _outside(res.err_addr, name, base, size)
    if err == lib.PACK_E_CONFLICT:
        return PackError(f"overlapping image segments #{res.err_seg[0]} and #{res.err_seg[1]} disagree "
                         f"at 0x{res.err_addr:08X} (0x{res.err_byte[0]:02X} vs 0x{res.err_byte[1]:02X})",
                         res.err_addr)
    if err == lib.PACK_E_GEOMETRY:
        why = {
            lib.PACK_G_PAGE_SIZE: "page_size is 0",
            lib.PACK_G_PROGRAM_UNIT: f"program_unit {program_unit} does not divide page_size {page_size}",
            lib.PACK_G_SECTORS: f"the sectors do not add up to the size 0x{size:X}",
            lib.PACK_G_ALIGN: f"base 0x{base:08X} or a sector size is not a multiple of page_size {page_size}",
        }.get(res.err_detail, f"rule {res.err_detail}")
        return PackError(f"{name}: bad geometry: {why}")
    if err == lib.PACK_E_NOMEM:
        return PackError(f"{name}: out of memory while packing")  # pragma: no cover
    return PackError(f"{name}: packing failed (code {err})")  # pragma: no cover
