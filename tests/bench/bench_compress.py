"""Compressed writes (CMD_WRITE_Z) on the simulated boards' VIRTUAL clock at 921600 baud (where many
USB-UART bridges stop) with a 1 ms one-way link latency: for each image, the effective rate of the write
stream (image bytes per second from the first data frame to the last answer, with the erases queued in
the stream) over what the wire carries (baud / 10 bytes/s, 8N1), with compression and without
(Target.compress = False); the share of the image's bytes that went on the wire; and the whole flash
(CRC compare, erase, stream, verify, commit). Every image on the H735; the typical application on the
F746 too.

Images: the demo (build/firmware/h735/demo.elf: its NOR table is 128 KB of pseudo-random bytes), a
random image, a mostly-blank image (every 256-byte page holds 16 bytes, the rest erased), and a typical
application: the Cortex-M code this repository builds (both bootloaders, the demos' internal-flash part,
the test firmwares and external loaders), one program after the other in internal flash.
Goal (issue 17): the demo and a typical application flash faster than the wire could carry them
uncompressed, i.e. effective / wire > 1. Usage: bench_compress.py
"""
from __future__ import annotations

import collections
import glob
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host"))

from elftools.elf.elffile import ELFFile  # noqa: E402

from stm32boot import boards, compress, plan, protocol as P  # noqa: E402
from stm32boot.image import Segment, load, merge  # noqa: E402

BAUD, LATENCY = 921_600, 0.001
KB = 1024


class Counting:
    """Request-frame bytes the host puts on the wire (frame header and CRC included), per command."""

    def __init__(self, inner):
        self.inner, self.dec = inner, P.Decoder()
        self.bytes = collections.Counter()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def write(self, data):
        for f in self.dec.feed(data):
            self.bytes[f.cmd] += len(f.payload) + P.HDR.size + 4
        self.inner.write(data)


def bootloader(board) -> str:
    return os.path.join(ROOT, "build", "firmware", board.name, "bootloader.elf")


def flash(board, img, compressed: bool):
    from stm32boot.sim.board import build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    m = build(board, warn=lambda *a: None)
    m.load_elf(bootloader(board))
    m.reset()
    wire = Counting(SimTransport(board, machine=m, latency=LATENCY))
    t = open_target(board, transport=wire, baud=BAUD)
    t.compress = compressed
    stream, program = [], t.program

    def timed(*a, **k):   # the write stream (with the erases queued in it), without compare/verify/commit
        v0 = t.virtual_seconds
        program(*a, **k)
        stream.append(t.virtual_seconds - v0)
    t.program = timed
    try:
        if compressed and not compress.supported(t.info()):
            raise SystemExit("bench_compress: the bootloader does not advertise compressed writes")
        w0 = time.monotonic()
        res = plan.execute(plan.build(img, board), t)
        return (res, sum(stream), time.monotonic() - w0, wire.bytes[P.Cmd.WRITE] + wire.bytes[P.Cmd.WRITE_Z],
                t.link.retransmits)
    finally:
        t.close()


def elf_code(path):
    """Loadable bytes of an ELF below the NOR (code and initialised data)."""
    out = b""
    with open(path, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_filesz"] and seg["p_paddr"] < 0x9000_0000:   # not the NOR
                out += seg.data()
    return out


def typical_app() -> bytes:
    paths = [os.path.join(ROOT, "build", "firmware", b, n) for b in ("h735", "f746") for n in ("bootloader.elf", "demo.elf")]
    paths += sorted(glob.glob(os.path.join(ROOT, "build", "testfw", "**", "*.elf"), recursive=True))
    paths += sorted(glob.glob(os.path.join(ROOT, "build", "loaders", "*.stldr")))
    code = b"".join(elf_code(p) for p in paths if os.path.exists(p))
    return code + b"\xff" * (-len(code) % 32)


def images(board):
    app = board.memory("flash").base + board.bootloader_size
    nor = board.memory("nor").base
    rnd = random.Random(17)
    blank = bytearray(b"\xff" * (256 * KB))
    for off in range(0, len(blank), 256):
        blank[off:off + 16] = rnd.randbytes(16)
    return [
        ("demo", load([os.path.join(ROOT, "build", "firmware", board.name, "demo.elf")]), True),
        ("typical application", merge([Segment(app, typical_app(), "code.bin")]), True),
        ("random", merge([Segment(app, rnd.randbytes(64 * KB), "r.bin"),
                          Segment(nor, rnd.randbytes(128 * KB), "r.bin")]), False),
        ("mostly blank", merge([Segment(nor + 0x40000, bytes(blank), "b.bin")]), False),
    ]


def main() -> int:
    runs = [(boards.get("h735"), None), (boards.get("f746"), "typical application")]
    for board, _ in runs:
        for path in (bootloader(board), os.path.join(ROOT, "build", "firmware", board.name, "demo.elf")):
            if not os.path.exists(path):
                raise SystemExit(f"bench_compress: {path} is missing: build with `doit firmware`")
    wire_bps = BAUD / 10
    print(f"compressed writes at {BAUD:,} baud (wire {wire_bps / 1e3:.1f} KB/s), 1 ms link latency, virtual time")
    for board, only in runs:
        for name, img, has_goal in images(board):
            if only and name != only:
                continue
            name = f"{board.name} {name}"
            n = img.size
            z, zs, zw, zbytes, zre = flash(board, img, True)
            p, ps, pw, pbytes, pre = flash(board, img, False)
            ratio = n / zs / wire_bps
            goal = (f"goal > 1.00x: {'met' if ratio > 1 else 'NOT met'}" if has_goal else "no goal")
            print(f"{name:>25}: {n / KB:6.1f} KB; write stream {n / zs / 1e3:6.1f} KB/s = {ratio:.2f}x the wire "
                  f"(plain {n / ps / wire_bps:.2f}x; {goal}); frames on the wire {zbytes / n:.0%} of the image "
                  f"(plain {pbytes / n:.0%}); whole flash {z.virtual_s:.2f} s vs {p.virtual_s:.2f} s plain = "
                  f"{n / z.virtual_s / wire_bps:.2f}x the wire; retransmissions {zre}/{pre}; wall {zw:.0f}/{pw:.0f} s")
    print("whole flash: compare, erase (on the H735 a 128 KB internal sector takes ~1 s, RM0468), stream, verify, "
          "commit; the demo's 128 KB NOR table is pseudo-random (demo/gen_table.py), which no coder shrinks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
