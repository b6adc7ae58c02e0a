"""The bootloader takes received bytes in runs (core/port.h port_uart_peek: a DMA ring gives what came in two
pieces, to its end and from its start) and copies a frame's body whole once its header checked out. A frame
cut by the ring's wrap anywhere (header, body, CRC, a frame hidden inside a damaged one) must be received,
refused or found exactly as when the bytes come one at a time: the real C core compiled for the host
(tests/protocol_link.py) with its runs cut like the boards' 4 KB ring (drivers/stm32/uart_console.c)."""
import random
import struct

import pytest

from stm32boot import protocol as P
from stm32boot._protocol import lib
from stm32boot.target import Target

from protocol_link import CoreTransport, H735_MEMS

RING = 4096
NOR = next(m.base for m in H735_MEMS if m.kind != "internal")
HDR = P.HDR.size


def open_core(wrap):
    t = CoreTransport(rx_wrap=wrap)
    tg = Target(t)
    tg.hello()
    return t, tg


def lead_in(t, wrap, at):
    """Zero bytes (no SYNC) that put the wrap `at` bytes into whatever is written next."""
    return bytes((-(t.rx_total + at)) % wrap) if wrap else b""


def send(t, data):
    """Write, then let the core take it all: it takes at most two runs per look, one byte each at wrap 1."""
    t.write(data)
    lib.hp_poll(len(data))


def replies(t):
    return [(f.cmd, f.flags & P.TRY_MASK, f.seq, P.parse_reply(f).status) for f in P.Decoder().feed(t.read(1.0))]


def write_frame(seq, off, data, flags=0):
    return P.encode(P.Cmd.WRITE, seq, struct.pack("<I", NOR + off) + data, flags)


# Where the wrap cuts the damaged 4 KB frame: SYNC, header, start/middle/end of the body, its CRC field.
CUTS = [1, 2, HDR - 1, HDR, HDR + 1, HDR + 4 + 1000, HDR + 4 + 4096 - 1, HDR + 4 + 4096 + 2]


@pytest.mark.parametrize("cut", CUTS)
def test_a_frame_damaged_across_the_wrap_is_nacked_by_name_and_its_resend_is_written(cut):
    t, tg = open_core(RING)
    rng = random.Random(cut)
    data = rng.randbytes(4096)
    seq = tg.link.seq
    bad = bytearray(write_frame(seq, 0, data, flags=1))
    for i in {max(HDR, cut - 1), max(HDR, min(cut, len(bad) - 1))}:   # each side of the wrap, past the header
        bad[i] ^= 0x40
    send(t, lead_in(t, RING, cut) + bytes(bad))
    assert replies(t) == [(P.Cmd.WRITE, 1, seq, P.Status.BAD_CRC)]
    assert t.mem(NOR, 4096) == b"\xff" * 4096 and t.counters()["crc_errors"] == 1
    send(t, lead_in(t, RING, cut) + write_frame(seq, 0, data, flags=2))
    assert replies(t) == [(P.Cmd.WRITE, 2, seq, P.Status.OK)]
    assert t.mem(NOR, 4096) == data


@pytest.mark.parametrize("wrap", [0, 1, 3, RING])
@pytest.mark.parametrize("where", ["frame", "bad header", "lone SYNC0", "inner header", "inner body"])
def test_a_frame_inside_a_damaged_one_is_still_found(wrap, where):
    """A damaged frame's bytes are searched again after it is refused (protocol.h resync rule), and so are
    those of a bad header met in that search: a real frame that starts inside it is applied, even right
    after a lone SYNC0; the damaged one is answered BAD_CRC with its own cmd, try and seq."""
    t, tg = open_core(wrap)
    seq = tg.link.seq
    inner = write_frame(seq, 0, b"inner frame data" * 4)
    bad_hdr = P.SYNC + bytes([4, 0, 0, 0, 0x10, 0, 0, 0])            # len without ~len
    body = struct.pack("<I", NOR + 4096) + bytes(100) + bad_hdr + bytes(90) + P.SYNC[:1] + inner + bytes(1000)
    outer = bytearray(P.encode(P.Cmd.WRITE, seq + 7, body, flags=3))
    outer[-1] ^= 1                                  # its CRC does not match
    at = {"frame": 0, "bad header": outer.index(bad_hdr) + 3, "lone SYNC0": outer.index(inner) - 1,
          "inner header": outer.index(inner) + 5, "inner body": outer.index(inner) + HDR + 20}[where]
    send(t, lead_in(t, wrap, at) + bytes(outer))
    got = replies(t)
    assert got == [(P.Cmd.WRITE, 3, seq + 7, P.Status.BAD_CRC), (P.Cmd.WRITE, 0, seq, P.Status.OK)]
    assert t.mem(NOR, 64) == b"inner frame data" * 4
    assert t.mem(NOR + 4096, 16) == b"\xff" * 16     # the damaged frame wrote nothing


@pytest.mark.parametrize("wrap", [0, 1, 5, 64, RING])
def test_any_cut_of_a_noisy_stream_gives_the_same_frames_and_contents(wrap):
    """Garbage, fake headers, a truncated copy before each good frame: the same stream cut into runs of any
    size gives the same frames applied, the same frames refused and the same memory as bytes one by one.
    (BAD_CRC answers are an early hint, one per look at the line: bytes that came at once get one.)"""
    rng = random.Random(7)

    def run(w):
        t, tg = open_core(w)
        seq = tg.link.seq
        fake = P.SYNC + bytes([1, 0, 0, 0, 0xFF, 0x0F, 0, 0])         # len without ~len
        stream = rng.randbytes(300) + fake
        expect = b""
        for i in range(6):
            data = rng.randbytes(rng.choice([16, 700, 4096]))
            f = write_frame(seq + i, len(expect), data)
            stream += rng.randbytes(rng.randrange(40)) + f[:rng.randrange(HDR, len(f) - 1)] + f
            expect += data
        send(t, stream)
        got = replies(t)
        ok = [r for r in got if r[3] == P.Status.OK]
        nak_seqs = {r[2] for r in got if r[3] == P.Status.BAD_CRC}
        assert nak_seqs and nak_seqs <= set(range(seq, seq + 6)) and len(got) == len(ok) + len(nak_seqs)
        c = t.counters()
        return ok, t.mem(NOR, len(expect)) == expect, c["applied"], c["crc_errors"]

    state = rng.getstate()
    ref = run(1)
    rng.setstate(state)
    assert run(wrap) == ref
    assert len(ref[0]) == 6 and ref[1] and ref[3] == 6     # every good frame written, every truncated one refused
