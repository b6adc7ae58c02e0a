"""Compressed writes (CMD_WRITE_Z) on the simulated boards' VIRTUAL clock at 921600 baud (where many
USB-UART bridges stop, and the F746 bootloader's highest rate) with a 1 ms one-way link latency.

Per board and image: the whole flash (compare, erase, stream, verify, commit), compressed and plain
(Target.compress = False), as image bytes per second over what the wire carries (baud / 10 bytes/s, 8N1),
the share of the image's bytes that went on the wire, and the DEVICE BOUND: the time the memories need for
the plan's erases and programs at their datasheets' typical times (the largest erase command that covers
only sectors to be erased or blank; memories work at the same time; blank program units are skipped, as the
bootloader does). Virtual and wall time side by side.

Images: the demo (build/firmware/<board>/demo.elf: its NOR table is a splash screen, a font, a sine table and a
chime, firmware/app/gen_table.py), a random image, a mostly-blank image (every 256-byte page holds 16
bytes, the rest erased), and a typical application: the Cortex-M code this repository builds (both
bootloaders, the demos' internal-flash part, the test firmwares and external loaders) in internal flash.
Every image on both boards with the board's default NOR part; the demo also with the other parts a board
revision carries (the F746G-DISCO's W25Q128JV from revision C-03).

Goal (issue 17): the demo and a typical application flash faster than the wire could carry them
uncompressed (> 1.00x). Where the device bound itself is below the wire (a memory's own typical
erase + program time exceeds the wire time), that is physically impossible: the goal is then to reach
the bound within 5 %. Then, per board, where the time of a 4 KB frame of Cortex-M code goes: wire, decode
(measured on the simulated board), program and erase (typical). Usage: bench_compress.py
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
FRAME = 4 * KB
NEAR_BOUND = 0.95   # "within 5 % of the device bound"

# Datasheet typical times by (board, internal flash) and by NOR part: erase seconds by sector size, (block
# size, seconds) of the block erase, program unit (bytes) and seconds per unit.
# H735 internal flash at x32 as drivers/h7/flash.c programs it: 128 KB sector 1.1 s, 32-byte flash word
# 130 us (DS13945, flash memory characteristics). MX25LM51245G: 4 KB sector 25 ms, 64 KB block 220 ms,
# 256-byte page 150 us (its datasheet, AC characteristics). F746 internal flash at x32 (x64 needs an
# external VPP the DISCO board does not supply): 32 / 128 / 256 KB sectors 250 / 500 / 1000 ms, 32-bit word
# 16 us (DS10916 §6.3.13, flash memory programming). N25Q128A (the F746G-DISCO's NOR up to revision B):
# 4 KB subsector 250 ms, 64 KB sector 700 ms, page 0.5 ms; W25Q128JV (from revision C-03): 4 KB sector
# 45 ms, 64 KB block 150 ms, page 0.4 ms (their datasheets, AC characteristics).
DEVICE = {
    ("h735", "flash"): dict(erase={128 * KB: 1.1}, block=None, unit=32, prog=130e-6),
    ("f746", "flash"): dict(erase={32 * KB: 0.25, 128 * KB: 0.5, 256 * KB: 1.0}, block=None, unit=4, prog=16e-6),
    "mx25lm51245g": dict(erase={4 * KB: 0.025}, block=(64 * KB, 0.22), unit=256, prog=150e-6),
    "n25q128a": dict(erase={4 * KB: 0.25}, block=(64 * KB, 0.7), unit=256, prog=0.5e-3),
    "w25q128jv": dict(erase={4 * KB: 0.045}, block=(64 * KB, 0.15), unit=256, prog=0.4e-3),
}


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


def flash(board, img, compressed: bool, nor: str | None = None):
    from stm32boot.sim.board import build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    m = build(board, warn=lambda *a: None, nor=nor)
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


def device_bound(board, img, nor: str):
    """(seconds, {memory: (erase s, program s)}): the plan's erases and programs at typical times (`nor`:
    the NOR part), the memories working at the same time."""
    per = {}
    for mp in plan.build(img, board).memories:
        d = DEVICE[nor if mp.memory.kind == "external_nor" else (board.name, mp.memory.name)]
        sectors = mp.to_erase
        erase, todo = 0.0, {s.addr for s in sectors}
        if d["block"]:
            bsize, bt = d["block"]
            for b in sorted({(a - mp.memory.base) // bsize for a in todo}):
                lo = mp.memory.base + b * bsize
                inside = [s for s in sectors if lo <= s.addr < lo + bsize]
                # a whole aligned block, or one whose other sectors are blank (the bench's boards are fresh) and
                # whose sectors one by one take longer: one block erase (plan.compare)
                if sum(s.size for s in inside) == bsize or bt < sum(d["erase"][s.size] for s in inside):
                    erase += bt
                    todo -= {s.addr for s in inside}
        erase += sum(d["erase"][s.size] for s in sectors if s.addr in todo)
        u, blank = d["unit"], b"\xff" * d["unit"]
        units = sum(1 for s in sectors for _, v in s.pages for o in range(0, len(v), u) if bytes(v[o:o + u]) != blank)
        per[mp.memory.name] = (erase, units * d["prog"])
    return max(sum(v) for v in per.values()), per


def frame_costs(board):
    """Where the time of one 4 KB frame of Cortex-M code goes on this board: (wire plain s, wire
    compressed s, decode s measured, program s typical, erase share s typical, sector bytes, core clock Hz). The decode
    is measured by sending each frame compressed to the bootloader's own sector: it decodes in full, then
    refuses the address, so the round trip less the wire time is the decode (the queue is empty: a CRC
    request waits for it first)."""
    from stm32boot.sim.board import build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    m = build(board, warn=lambda *a: None)
    m.load_elf(bootloader(board))
    m.reset()
    t = open_target(board, transport=SimTransport(board, machine=m, latency=0), baud=BAUD)
    code = typical_app()
    frames = [bytes(code[o:o + FRAME]) for o in range(FRAME, 9 * FRAME, FRAME)]
    bt, base = t.t.byte_time(), board.memory("flash").base
    dec, nz = [], []
    try:
        for f in frames:
            z = compress.deflate(f)
            t.crc([(base, 4)])
            v = t.virtual_seconds
            r = t.link.call(P.Cmd.WRITE_Z, P.WRITE_REQ.pack(addr=base) + z, op_time=0.5, check=False)
            assert r.status != P.Status.OK, "the bootloader's sector took a write"
            req = len(z) + P.WRITE_REQ.size + P.HDR.size + 4
            dec.append(t.virtual_seconds - v - (req + P.HDR.size + 4 + 16) * bt)   # + the reply (status)
            nz.append(len(z))
        hz = m.sysclk_hz()
    finally:
        t.close()
    d = DEVICE[(board.name, "flash")]
    app = board.memory("flash").base + board.bootloader_size
    sector = board.memory("flash").sector_at(app)[1]
    words = sum(1 for f in frames for o in range(0, FRAME, d["unit"]) if f[o:o + d["unit"]] != b"\xff" * d["unit"])
    return (FRAME * bt, sum(nz) / len(nz) * bt, sum(dec) / len(dec), words / len(frames) * d["prog"],
            d["erase"][sector] * FRAME / sector, sector, hz)


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
    runs = [boards.get("h735"), boards.get("f746")]
    for board in runs:
        for path in (bootloader(board), os.path.join(ROOT, "build", "firmware", board.name, "demo.elf")):
            if not os.path.exists(path):
                raise SystemExit(f"bench_compress: {path} is missing: build with `doit firmware`")
    wire_bps = BAUD / 10
    print(f"compressed writes at {BAUD:,} baud (wire {wire_bps / 1e3:.1f} KB/s), 1 ms link latency; whole flash "
          f"(compare, erase, stream, verify, commit) on the board's virtual clock, compressed / plain")
    cases = [(b, b.nor.default, name, img, goal) for b in runs for name, img, goal in images(b)]
    cases += [(b, part, name, img, goal) for b in runs for part in b.nor.parts[1:]   # other board revisions
              for name, img, goal in images(b) if name == "demo"]
    for board, part, name, img, has_goal in cases:
        n = img.size
        z, zs, zw, zbytes, zre = flash(board, img, True, part)
        p, ps, pw, pbytes, pre = flash(board, img, False, part)
        bound, per = device_bound(board, img, part)
        ratio, bx = n / z.virtual_s / wire_bps, n / bound / wire_bps
        if not has_goal:
            goal = "no goal"
        elif bx > 1:
            goal = f"goal > 1.00x: {'met' if ratio > 1 else 'NOT met'}"
        else:
            goal = (f"goal >= {NEAR_BOUND:.0%} of the bound (the device alone is slower than the wire): "
                    f"{'met' if ratio >= NEAR_BOUND * bx else 'NOT met'} ({ratio / bx:.0%})")
        mems = "; ".join(f"{k} erase {e:.2f} s + program {w:.2f} s" for k, (e, w) in per.items())
        label = board.name + " " + name + (f" ({part})" if part != board.nor.default else "")
        print(f"{label:>25}: {n / KB:6.1f} KB in {z.virtual_s:.2f} s = {ratio:.2f}x the wire "
              f"(plain {p.virtual_s:.2f} s = {n / p.virtual_s / wire_bps:.2f}x); device bound {bound:.2f} s = "
              f"{bx:.2f}x; {goal}")
        print(f"{'':>27}bound: {mems}; on the wire {zbytes / n:.0%} of the image (plain {pbytes / n:.0%}); "
              f"write stream {zs:.2f} s (plain {ps:.2f} s); retransmissions {zre}/{pre}; "
              f"virtual {z.virtual_s:.2f}/{p.virtual_s:.2f} s, wall {zw:.1f}/{pw:.1f} s")
    print("per 4 KB frame of Cortex-M code (the typical application) in internal flash:")
    for board in runs:
        wp, wz, dec, prog, er, sector, hz = frame_costs(board)
        dev = dec + prog + er
        print(f"  {board.name} ({hz / 1e6:.0f} MHz core): wire {wp * 1e3:.1f} ms plain, {wz * 1e3:.1f} ms compressed; "
              f"decode {dec * 1e3:.1f} ms (measured: {dec / FRAME * 1e6:.2f} us/byte, compress.py weighs "
              f"{board.inflate_s_per_byte * 1e6:.2f}); program {prog * 1e3:.1f} ms and erase share {er * 1e3:.1f} ms "
              f"({sector // KB} KB sector) typical: the device needs {(prog + er) * 1e3:.1f} ms "
              f"({FRAME / (prog + er) / wire_bps:.2f}x the wire), {dev * 1e3:.1f} ms with the decode not overlapped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
