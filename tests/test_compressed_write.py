"""Compressed writes (CMD_WRITE_Z) on each simulated board, through the real bootloader firmware: an image of
code and text flashes with fewer bytes on the wire and verifies by CRC; random data still travel plain; a
compressed frame whose stream is damaged (with a frame CRC that matches, so only the decoder can tell) is
answered BAD_DATA and writes nothing; a bootloader that does not advertise the capability gets plain WRITE
frames only; compressed frames shrink on a damaged link like plain ones."""
import collections
import os
import random
import struct
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from protocol_link import CoreTransport
from stm32boot import boards, compress, plan, protocol as P
from stm32boot._inflate import lib as infl
from stm32boot._protocol import ffi, lib
from stm32boot.image import Segment, merge
from stm32boot.sim.board import build
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target, TargetError, open_target
from stm32boot.transport import FaultyTransport

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS = ("h735", "f746")
CAPS_AT = P.STATUS.size + ffi.offsetof("struct proto_info", "caps")   # in a HELLO reply's payload


class Recorder:
    """Counts the distinct request frames the host sends, per command, and their payload bytes (a
    retransmission of the same payload is the link's business, not the encoding's)."""

    def __init__(self, inner):
        self.inner, self.dec, self.seen = inner, P.Decoder(), set()
        self.frames, self.payload = collections.Counter(), collections.Counter()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def write(self, data):
        for f in self.dec.feed(data):
            if (f.cmd, f.payload) not in self.seen:
                self.seen.add((f.cmd, f.payload))
                self.frames[f.cmd] += 1
                self.payload[f.cmd] += len(f.payload)
        self.inner.write(data)


class NoCaps:
    """The board as an older bootloader answers: HELLO replies with caps 0 (frames re-encoded, CRC intact)."""

    def __init__(self, inner):
        self.inner, self.dec = inner, P.Decoder()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def read(self, timeout):
        out = b""
        for f in self.dec.feed(self.inner.read(timeout)):
            payload = bytearray(f.payload)
            if f.cmd == P.Cmd.HELLO and f.flags & P.FLAG_REPLY and len(payload) > CAPS_AT:
                payload[CAPS_AT] = 0
            out += P.encode(f.cmd, f.seq, bytes(payload), f.flags)
        return out


def text(n: int) -> bytes:
    """n bytes of English-like text, the same on every run (a board's string tables, a log)."""
    rnd = random.Random(5)
    words = [b"flash", b"sector", b"erase", b"the", b"board", b"verify", b"write", b"a", b"of", b"NOR",
             b"bootloader", b"frame", b"CRC", b"is", b"and", b"error: ", b"0x0800", b"\n"]
    out = bytearray()
    while len(out) < n:
        out += rnd.choice(words) + b" "
    return bytes(out[:n])


def tap(t):
    """Payload bytes of the requests the host builds, per command (before the link retransmits any)."""
    built, stream = collections.Counter(), t.link.stream

    def tapped(reqs, *a, **k):
        def each():
            for r in reqs:
                built[r.cmd] += len(r.payload)
                yield r
        return stream(each(), *a, **k)
    t.link.stream = tapped
    return built


def fresh(name):
    board = boards.get(name)
    elf = os.path.join(ROOT, "build", "firmware", name, "bootloader.elf")
    assert os.path.exists(elf), "build the firmware first: doit firmware"
    m = build(board, warn=lambda *a: None)
    m.load_elf(elf)
    m.reset()
    return board, m


def image(board):
    """Real Cortex-M code (the other board's bootloader binary) where the application goes, text and a
    random table in the NOR: what the first two compress, the table does not."""
    other = "f746" if board.name == "h735" else "h735"
    code = open(os.path.join(ROOT, "build", "firmware", other, "bootloader.bin"), "rb").read()
    table = random.Random(17).randbytes(8 * 1024)
    app = board.memory("flash").base + board.bootloader_size
    nor = board.memory("nor").base
    segs = [(app, code), (nor + 0x3000, text(24 * 1024)), (nor + 0x20000, table)]
    return merge([Segment(a, d, "x.bin") for a, d in segs]), segs


@pytest.mark.parametrize("name", BOARDS)
def test_compressed_flash_puts_fewer_bytes_on_the_wire_and_verifies(name):
    board, m = fresh(name)
    img, segs = image(board)
    rec = Recorder(SimTransport(board, machine=m, latency=0.001))
    t = open_target(board, transport=rec, baud=921_600)
    built = tap(t)
    try:
        assert compress.supported(t.info())
        res = plan.execute(plan.build(img, board), t)      # raises unless every sector verified by CRC
        assert res.verified == res.erased > 0 and t.info().app_committed
        for addr, data in segs:
            assert t.read(addr, len(data)) == data, hex(addr)
        sent = built[P.Cmd.WRITE_Z] + built[P.Cmd.WRITE]
        raw = sum(len(d) for _, d in segs) + 4 * (rec.frames[P.Cmd.WRITE_Z] + rec.frames[P.Cmd.WRITE])
        assert rec.frames[P.Cmd.WRITE_Z] >= 6              # code and text went compressed
        assert rec.frames[P.Cmd.WRITE] >= 2                # the random table did not
        assert sent < 0.8 * raw, (sent, raw)
    finally:
        t.close()


def zframe(addr, stream):
    return struct.pack("<I", addr) + stream


@pytest.mark.parametrize("name", BOARDS)
def test_damaged_compressed_frame_is_refused_and_writes_nothing(name):
    board, m = fresh(name)
    t = open_target(board, transport=SimTransport(board, machine=m, latency=0.001), baud=921_600)
    nor = board.memory("nor").base + 0x8000
    data = text(4096)
    good = compress.deflate(data)
    flipped = bytearray(good)
    for i in range(8, len(good)):   # the first flip zlib too finds invalid (most flips are)
        flipped[i] ^= 0x10
        d = zlib.decompressobj(-15)
        try:
            d.decompress(bytes(flipped))
        except zlib.error:
            break
        flipped[i] ^= 0x10
    assert bytes(flipped) != good
    bad = {   # stream, the decoder's verdict (None: whatever a flipped bit makes of it)
        "bit flip": (bytes(flipped), None),
        "cut short": (good[:-3], infl.INFL_E_TRUNCATED),
        "bytes after the end": (good + b"\0\0", infl.INFL_E_TRAILING),
        "decodes to more than a frame": (compress.deflate(data + data[:1]), infl.INFL_E_OUTPUT),
        "reserved block type": (b"\x07", infl.INFL_E_BLOCK_TYPE),
    }
    try:
        t.erase([nor])
        for why, (stream, code) in bad.items():
            r = t.link.call(P.Cmd.WRITE_Z, zframe(nor, stream), check=False)
            assert r.status == P.Status.BAD_DATA and r.addr == nor, why
            assert r.detail == -code if code is not None else r.detail > 0, why
            assert t.read(nor, 4096) == b"\xff" * 4096, why          # nothing written
        r = t.link.call(P.Cmd.WRITE_Z, zframe(nor, b""), check=False)
        assert r.status == P.Status.BAD_LEN
        with pytest.raises(TargetError, match=r"WRITE failed at 0x%08X \(nor\): BAD_DATA: the compressed data.*"
                                              r"decoder error -\d" % nor):
            t.link.call(P.Cmd.WRITE_Z, zframe(nor, bad["bit flip"][0]))
        t.link.call(P.Cmd.WRITE_Z, zframe(nor, good))                # the board is not confused by them
        assert t.read(nor, 4096) == data
        # the same rules as WRITE after decoding: an unaligned or protected address is refused the same way
        r = t.link.call(P.Cmd.WRITE_Z, zframe(board.memory("flash").base, compress.deflate(b"\0" * 64)),
                        check=False)
        assert r.status == P.Status.PROTECTED_BOOTLOADER
    finally:
        t.close()


@pytest.mark.parametrize("name", BOARDS)
def test_bootloader_without_the_capability_gets_plain_frames(name):
    board, m = fresh(name)
    img, segs = image(board)
    rec = Recorder(NoCaps(SimTransport(board, machine=m, latency=0.001)))
    t = open_target(board, transport=rec, baud=921_600)
    try:
        assert t.info().caps == 0 and not compress.supported(t.info())
        plan.execute(plan.build(img, board), t)
        assert rec.frames[P.Cmd.WRITE_Z] == 0 and rec.frames[P.Cmd.WRITE] > 0
        assert rec.payload[P.Cmd.WRITE] >= sum(len(d) for _, d in segs)
        for addr, data in segs:
            assert t.read(addr, len(data)) == data
    finally:
        t.close()


def test_compressed_frames_shrink_on_a_damaged_link_and_still_verify():
    board, m = fresh("h735")
    img, segs = image(board)
    faulty = FaultyTransport(SimTransport(board, machine=m, latency=0.001), seed=11)
    rec = Recorder(faulty)
    t = open_target(board, transport=rec, baud=921_600)
    faulty.tx = faulty.rx = (2e-5, 2e-5, 4e-5)       # drop, duplicate, corrupt per byte
    try:
        plan.execute(plan.build(img, board), t)
        assert t.link.retransmits > 0 and t.link.shrinks > 0
        assert rec.frames[P.Cmd.WRITE_Z] > 0
        for addr, data in segs:
            assert t.read(addr, len(data)) == data
    finally:
        t.close()


def test_compress_only_when_it_pays():
    slow, fast = 10 / 921_600, 10 / 8_000_000
    rnd = random.Random(3)
    assert compress.pack(rnd.randbytes(4096), slow) is None              # random data never shrink
    assert compress.pack(b"", slow) is None
    words = text(4096)
    for kind in ("internal", "external_nor"):
        z = compress.pack(words, slow, kind)                              # the wire is the limit
        assert z is not None and len(z) < len(words) * 0.6 and zlib.decompress(z, -15) == words
    # at 8 Mbaud internal flash programs slower than the wire delivers: decoding would only add to it
    h735, f746 = boards.get("h735").inflate_s_per_byte, boards.get("f746").inflate_s_per_byte
    assert compress.pack(words, fast, "internal", h735) is None
    assert compress.pack(words, fast, "external_nor", h735) is not None
    # a NOR page takes 0.6 us/byte: a board that decodes slower than the 8 Mbaud wire saves gets plain frames
    assert compress.pack(words, fast, "external_nor", f746) is None
    assert compress.pack(words, slow, "external_nor", f746) is not None


def test_each_board_is_weighed_with_its_own_decode_time():
    for name in BOARDS:
        info = type("Info", (), {"board": name})()
        assert compress.decode_time(info) == boards.get(name).inflate_s_per_byte
    assert compress.decode_time(type("Info", (), {"board": "nonesuch"})()) == compress.DECODE_TYP_S_PER_BYTE


def test_at_8_mbaud_internal_flash_gets_plain_frames_and_nor_compressed_ones():
    board, m = fresh("h735")
    img, segs = image(board)
    rec = Recorder(SimTransport(board, machine=m, latency=0.001))
    t = open_target(board, transport=rec, baud=8_000_000)
    built = tap(t)
    try:
        plan.execute(plan.build(img, board), t)
        code = segs[0][1]
        assert built[P.Cmd.WRITE] >= len(code)                            # the code went plain
        assert 0 < built[P.Cmd.WRITE_Z] < len(segs[1][1])                 # the NOR text compressed
        for addr, data in segs:
            assert t.read(addr, len(data)) == data
    finally:
        t.close()


@settings(max_examples=300, deadline=None)
@given(flips=st.lists(st.integers(0, 1 << 16), max_size=4), cut=st.integers(0, 64), extra=st.binary(max_size=3))
def test_any_compressed_frame_writes_exactly_what_it_decodes_to_or_nothing(flips, cut, extra):
    """The bootloader's C core compiled for the host (tests/protocol_link.py): a WRITE_Z into erased NOR
    either writes exactly what zlib decodes the stream to (when that is a whole stream of at most a
    frame's data) or answers BAD_DATA / BAD_LEN and leaves the NOR erased."""
    t = CoreTransport()
    tg = Target(t)
    tg.hello()
    nor = 0x9000_0000
    tg.erase([nor])
    z = bytearray(compress.deflate(text(3000)))
    for f in flips:
        z[(f >> 3) % len(z)] ^= 1 << (f & 7)
    stream = bytes(z[:len(z) - cut % (len(z) + 1)]) + extra
    d = zlib.decompressobj(-15)
    try:
        want = d.decompress(stream)
        ok = d.eof and not d.unused_data and 0 < len(want) <= lib.PROTO_MAX_DATA and len(want) % 2 == 0
    except zlib.error:
        ok = False
    r = tg.link.call(P.Cmd.WRITE_Z, zframe(nor, stream), check=False)
    if ok:
        assert r.status == P.Status.OK and t.mem(nor, len(want)) == want
    else:
        assert r.status in (P.Status.BAD_DATA, P.Status.BAD_LEN, P.Status.ALIGN)
        assert t.mem(nor, 4096) == b"\xff" * 4096


@pytest.mark.parametrize("name", BOARDS)
def test_the_demo_flashes_mostly_compressed_and_prints_the_crc_of_its_nor_table(name):
    """The demo's NOR table is what applications keep there (splash, font, tables, sound: they compress)
    and a small pseudo-random check block; once flashed the demo prints the table's CRC."""
    import sys
    from stm32boot.image import load
    from stm32boot.native import crc32
    sys.path.insert(0, os.path.join(ROOT, "firmware", "app"))
    try:
        import gen_table
    finally:
        sys.path.pop(0)
    board, m = fresh(name)
    demo = os.path.join(ROOT, "build", "firmware", name, "demo.elf")
    img = load([demo])
    t = open_target(board, transport=SimTransport(board, machine=m, latency=0.001), baud=921_600)
    built = tap(t)
    try:
        res = plan.execute(plan.build(img, board), t)
        assert res.verified == res.erased > 0
        assert built[P.Cmd.WRITE_Z] + built[P.Cmd.WRITE] < 0.3 * img.size, dict(built)
        t.reset(run_app=True)
        out = t.console(0.5).decode(errors="replace")
    finally:
        t.close()
    table = gen_table.table({"h735": 735, "f746": 746}[name])   # firmware/images.py TABLE_SEED, F746_TABLE_SEED
    assert f"on {board.title}: NOR table CRC 0x{crc32(table):08X} ({len(table)} bytes at 0x9" in out, out
