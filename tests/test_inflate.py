"""native/inflate.c, the bootloader's raw DEFLATE decoder, against Python's zlib: every stream zlib makes
(all levels and strategies, so stored, fixed and dynamic blocks) decodes to the original; damaged streams
(every truncation, bit flips, bytes appended) get exactly zlib's verdict, and never a read or write
outside the buffers: input and output end right before an inaccessible page, so a stray access kills
the test, and the module is built with the undefined-behaviour sanitizer."""
import ctypes
import functools
import mmap
import os
import random
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from stm32boot._inflate import ffi, lib
from stm32boot.image import load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAP = 4096   # PROTO_MAX_DATA: what one compressed WRITE may decode to
STRATEGIES = (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED)
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
_keep = []


def guarded(n):
    """n writable bytes that end exactly where an inaccessible page begins."""
    page = mmap.PAGESIZE
    pages = -(-max(n, 1) // page) + 1
    m = mmap.mmap(-1, pages * page)
    base = ctypes.addressof(ctypes.c_char.from_buffer(m))
    assert _libc.mprotect(base + (pages - 1) * page, page, 0) == 0   # PROT_NONE
    _keep.append(m)
    if len(_keep) > 64:
        del _keep[:32]   # the views keep the maps alive only as long as needed here
    return ffi.cast("uint8_t *", base + (pages - 1) * page - n)


def inflate(z: bytes, cap: int = CAP):
    src = guarded(len(z))
    ffi.memmove(src, z, len(z))
    dst = guarded(cap)
    n = ffi.new("size_t *")
    rc = lib.inflate_raw(ffi.new("struct inflater *"), src, len(z), dst, cap, n)
    assert n[0] <= cap
    return rc, ffi.buffer(dst, n[0])[:]


def deflate(data: bytes, level: int = 6, strategy: int = zlib.Z_DEFAULT_STRATEGY, mem: int = 8) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15, mem, strategy)
    return c.compress(data) + c.flush()


def zlib_verdict(z: bytes):
    """What zlib makes of a raw stream: ("ok", data), ("trailing", data), ("truncated", data), ("error", None)."""
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(z)
    except zlib.error:
        return "error", None
    if not d.eof:
        return "truncated", out
    return ("trailing" if d.unused_data else "ok"), out


def agrees_with_zlib(z: bytes, cap: int = CAP):
    rc, out = inflate(z, cap)
    kind, want = zlib_verdict(z)
    if kind != "error" and len(want) > cap:
        assert rc == lib.INFL_E_OUTPUT, (kind, rc)
    elif kind == "ok":
        assert rc == lib.INFL_OK and out == want
    elif kind == "trailing":
        assert rc == lib.INFL_E_TRAILING
    elif kind == "truncated":
        assert rc == lib.INFL_E_TRUNCATED
    else:
        assert rc < 0 and rc != lib.INFL_E_TRUNCATED, rc
    return rc


def demo_pieces():
    """4 KB pieces of both demo images, as the host cuts them into frames."""
    out = []
    for board in ("h735", "f746"):
        path = os.path.join(ROOT, "build", "firmware", board, "demo.elf")
        assert os.path.exists(path), "build the firmware first: doit firmware"
        for _, data in load([path]).chunks:
            out += [data[o:o + CAP] for o in range(0, len(data), CAP)]
    return out


@functools.lru_cache(maxsize=None)
def samples():
    rnd = random.Random(17)
    text = open(os.path.join(ROOT, "README.md"), "rb").read()
    return {
        "empty": b"",
        "one": b"x",
        "random": rnd.randbytes(CAP),
        "text": text[:CAP],
        "blank": b"\xff" * CAP,
        "zeros": b"\0" * CAP,
        "sparse": bytes(rnd.choice(b"\0\0\0\0\xff\x01") for _ in range(CAP)),
        "words": b"".join(rnd.choice([b"ldr r0, ", b"bx lr ", b"\x00\xbf", b"push {r4, lr}"]) for _ in range(500))[:CAP],
    }


@pytest.mark.parametrize("name", sorted(samples()))
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("level", range(10))
def test_round_trip_every_level_and_strategy(name, level, strategy):
    data = samples()[name]
    rc, out = inflate(deflate(data, level, strategy))
    assert rc == lib.INFL_OK and out == data


def test_round_trip_demo_images():
    pieces = demo_pieces()
    assert len(pieces) > 20
    for level in (1, 6, 9):
        for p in pieces:
            rc, out = inflate(deflate(p, level))
            assert rc == lib.INFL_OK and out == p


def block_types(z: bytes):
    """BTYPE of the first block (RFC 1951 §3.2.3)."""
    return (z[0] >> 1) & 3


def test_the_samples_exercise_every_block_type():
    s = samples()
    assert block_types(deflate(s["text"], 0)) == 0          # stored
    assert block_types(deflate(s["text"], 6, zlib.Z_FIXED)) == 1
    assert block_types(deflate(s["text"], 9)) == 2          # dynamic


def test_streams_of_several_blocks_of_every_type():
    """fixed, dynamic, stored and fixed again in one stream (Z_FULL_FLUSH ends a block byte-aligned)."""
    s = samples()
    parts, want = [], b""
    for data, level, strategy in ((s["words"][:900], 6, zlib.Z_FIXED), (s["text"][:1500], 9, 0),
                                  (s["random"][:700], 0, 0), (s["words"][900:1800], 6, zlib.Z_FIXED)):
        c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, strategy)
        parts.append(c.compress(data) + c.flush(zlib.Z_FULL_FLUSH))
        want += data
    c = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_FIXED)
    parts.append(c.compress(b"end") + c.flush())
    z = b"".join(parts)
    assert zlib_verdict(z) == ("ok", want + b"end")
    assert inflate(z) == (lib.INFL_OK, want + b"end")


def test_poll_runs_often_while_decoding():
    """The bootloader drains its UART from the poll hook: never more than 32 bytes of output plus one
    match (258) between two calls, whatever the stream."""
    for data in (samples()["text"], samples()["random"], samples()["zeros"], samples()["words"]):
        for level in (0, 1, 9):
            z = deflate(data, level)
            s = ffi.new("struct inflater *")
            seen = []
            cb = ffi.callback("void(void)", lambda: seen.append(s.out_len))
            s.poll = cb
            out = ffi.new("uint8_t[]", CAP)
            n = ffi.new("size_t *")
            assert lib.inflate_raw(s, z, len(z), out, CAP, n) == lib.INFL_OK
            marks = [0] + seen + [n[0]]
            assert max(b - a for a, b in zip(marks, marks[1:])) <= 32 + 258, (level, marks)
            assert len(seen) >= n[0] // (32 + 258)


def test_output_limit_is_exact():
    data = samples()["text"]
    for level in (0, 1, 9):
        z = deflate(data, level)
        assert inflate(z, len(data)) == (lib.INFL_OK, data)
        assert inflate(z, len(data) - 1)[0] == lib.INFL_E_OUTPUT
    bomb = deflate(b"\0" * 65536, 9)         # 64 KB of zeros in a few dozen bytes
    assert len(bomb) < 200 and inflate(bomb)[0] == lib.INFL_E_OUTPUT


def test_every_truncation_is_reported_as_truncated():
    for name in ("text", "random", "sparse", "one"):
        for level in (0, 1, 9):
            z = deflate(samples()[name], level)
            for k in range(len(z)):
                assert inflate(z[:k])[0] == lib.INFL_E_TRUNCATED, (name, level, k)


def test_bytes_after_the_final_block_are_refused():
    z = deflate(samples()["text"])
    assert inflate(z + b"\0")[0] == lib.INFL_E_TRAILING
    assert inflate(z + z)[0] == lib.INFL_E_TRAILING


def test_hand_made_malformed_streams():
    # BFINAL=1, BTYPE=3 (reserved)
    assert inflate(bytes([0b111]))[0] == lib.INFL_E_BLOCK_TYPE
    # stored block whose NLEN is not ~LEN
    assert inflate(bytes([1, 5, 0, 0xFA, 0xFE]) + b"hello")[0] == lib.INFL_E_STORED_LEN
    # a valid stored block, then the same with LEN 6 but 5 bytes
    assert inflate(bytes([1, 5, 0, 0xFA, 0xFF]) + b"hello") == (lib.INFL_OK, b"hello")
    assert inflate(bytes([1, 6, 0, 0xF9, 0xFF]) + b"hello")[0] == lib.INFL_E_TRUNCATED
    # fixed block: a match at distance 1 with nothing decoded yet (length 3 = code 0000001, dist 0 = 00000)
    assert inflate(bytes([0b00000011, 0b00000010, 0]))[0] == lib.INFL_E_DISTANCE
    # dynamic block with HLIT = 30 (287 codes: more than the 286 allowed)
    assert inflate(bytes([0b11110101, 0b00000000, 0]))[0] == lib.INFL_E_TABLE


def test_every_single_bit_flip_of_small_streams():
    for z in (deflate(samples()["words"][:600], 9), deflate(b"hello hello hello", 6, zlib.Z_FIXED),
              deflate(samples()["text"][:300], 0)):
        seen = set()
        for bit in range(len(z) * 8):
            d = bytearray(z)
            d[bit // 8] ^= 1 << (bit % 8)
            seen.add(agrees_with_zlib(bytes(d)))
        assert len(seen) > 1      # the flips did reach the error paths


@settings(max_examples=1500, deadline=None)
@given(name=st.sampled_from(sorted(samples())), level=st.integers(0, 9), strategy=st.sampled_from(STRATEGIES),
       flips=st.lists(st.integers(0, 1 << 20), min_size=1, max_size=8), cut=st.integers(0, 1 << 20))
def test_damaged_streams_match_zlib_verdict(name, level, strategy, flips, cut):
    z = bytearray(deflate(samples()[name], level, strategy))
    for f in flips:
        z[(f >> 3) % len(z)] ^= 1 << (f & 7)
    if cut % 4 == 0:
        del z[cut % (len(z) + 1):]
    agrees_with_zlib(bytes(z))


@settings(max_examples=800, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_match_zlib_verdict(z):
    agrees_with_zlib(z)
