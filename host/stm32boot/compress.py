"""Compressed writes (CMD_WRITE_Z in firmware/core/protocol.h): the data of a WRITE frame travel as one
raw DEFLATE stream (RFC 1951) that the bootloader decodes on its own (native/inflate.c) and then writes
exactly like a WRITE, so verification by CRC is unchanged. Only for a bootloader that advertises
PROTO_CAP_WRITE_Z in its HELLO answer, and only when the stream is clearly shorter than the data
(random or already compressed data travel as they are). Each frame is compressed alone: a frame the
link cuts down is compressed again piece by piece (Target._write_req).

Level: on 4 KB frames of Cortex-M code zlib's levels 1..9 differ by under 1 % in size and all run at
tens of MB/s on the host (tests/bench/bench_compress.py), far above any UART; 6 is zlib's balance."""
from __future__ import annotations

import zlib

from ._protocol import lib

LEVEL = 6
MIN_SAVING = 1 / 16     # a frame goes compressed only when that saves at least this share of its data
MIN_SAVED_BYTES = 32    # ... and at least this many bytes (the board's decode is not free)
DECODE_S_PER_BYTE = 1e-6  # worst-case decode time on the board per data byte (timeout allowance)


def supported(info) -> bool:
    """The bootloader takes CMD_WRITE_Z (older ones report caps 0)."""
    return bool(getattr(info, "caps", 0) & lib.PROTO_CAP_WRITE_Z)


def deflate(data) -> bytes:
    """One self-contained raw DEFLATE stream of `data` (no zlib header or trailer)."""
    c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def pack(data) -> bytes | None:
    """The stream to send instead of `data`, or None when compressing does not pay."""
    n = len(data)
    if n == 0:
        return None
    z = deflate(data)
    return z if n - len(z) >= max(MIN_SAVED_BYTES, n * MIN_SAVING) else None
