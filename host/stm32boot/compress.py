"""Compressed writes (CMD_WRITE_Z in firmware/core/protocol.h): the data of a WRITE frame travel as one
raw DEFLATE stream (RFC 1951) that the bootloader decodes on its own (native/inflate.c) and then writes
exactly like a WRITE, so verification by CRC is unchanged. Only for a bootloader that advertises
PROTO_CAP_WRITE_Z in its HELLO answer, and only when it pays (pays()): the board handles frames one after
the other while the next ones arrive, so a frame costs the longer of its wire time and the board's work
(program, plus decode when compressed). At 921600 baud the wire is the limit and every frame that
shrinks pays; at 8 Mbaud internal flash programs slower than the wire delivers, and the decode would only
add to it (random or already compressed data never pay). Each frame is compressed alone: a frame the
link cuts down is compressed again piece by piece (Target._write_req).

Level: on 4 KB frames of Cortex-M code zlib's levels 1..9 differ by under 1 % in size and all run at
tens of MB/s on the host (tests/bench/bench_compress.py), far above any UART; 6 is zlib's balance."""
from __future__ import annotations

import zlib

from ._protocol import lib

LEVEL = 6
MIN_GAIN = 1 / 16         # a frame goes compressed only when that saves at least this share of its time
DECODE_S_PER_BYTE = 2e-6  # worst-case decode time on the board per data byte (timeout allowance)
DECODE_TYP_S_PER_BYTE = 1e-6   # typical, for a board that states none (Board.inflate_s_per_byte)
# Typical program time per byte by memory kind (not the worst case: this only weighs the choice): an
# internal flash programs 32 bytes in about 130 us (RM0468/DS13945: one 32-byte word at x32; RM0385/DS10916:
# eight 32-bit words of 16 us), a NOR a 256-byte page in about 150 us (MX25LM51245G tPP typical; the
# quad NORs N25Q128A / W25Q128JV take 0.4-0.5 ms, still far below a 921600-baud wire's 2.8 ms per page).
# Decode and program are counted one after the other: on a NOR they are (the core waits for each
# page); an internal flash that programs in the background overlaps them, which changes no choice there
# (the program time alone exceeds the decode).
PROGRAM_TYP_S_PER_BYTE = {"internal": 130e-6 / 32, "external_nor": 150e-6 / 256}   # by Memory.kind


def decode_time(info) -> float:
    """Typical decode seconds per data byte on the board the bootloader names (its core clock decides)."""
    from .boards import get
    try:
        return get(info.board).inflate_s_per_byte
    except (KeyError, ValueError, AttributeError):
        return DECODE_TYP_S_PER_BYTE


def supported(info) -> bool:
    """The bootloader takes CMD_WRITE_Z (older ones report caps 0)."""
    return bool(getattr(info, "caps", 0) & lib.PROTO_CAP_WRITE_Z)


def deflate(data) -> bytes:
    """One self-contained raw DEFLATE stream of `data` (no zlib header or trailer)."""
    c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def pays(n: int, nz: int, byte_time: float, kind: str | None, decode_s: float = DECODE_TYP_S_PER_BYTE) -> bool:
    """Whether sending n data bytes as an nz-byte stream takes clearly less time over a wire of
    `byte_time` s/byte into a memory of `kind` (Memory.kind; None: unknown, counted as instant) on a board
    that decodes in `decode_s` s/byte."""
    prog = PROGRAM_TYP_S_PER_BYTE.get(kind, 0.0)
    plain = max(byte_time * n, prog * n)
    packed = max(byte_time * nz, (prog + decode_s) * n)
    return packed < plain * (1 - MIN_GAIN)


def pack(data, byte_time: float, kind: str | None = None, decode_s: float = DECODE_TYP_S_PER_BYTE) -> bytes | None:
    """The stream to send instead of `data`, or None when compressing does not pay (pays())."""
    n = len(data)
    if n == 0 or not pays(n, n // 2, byte_time, kind, decode_s):   # not even at 2:1: do not spend the time
        return None
    z = deflate(data)
    return z if pays(n, len(z), byte_time, kind, decode_s) else None
