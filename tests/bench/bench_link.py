"""Link and flashing figures on the simulated H735 board's VIRTUAL clock (what a real board would
take), with a simulated 1 ms one-way link latency (USB CDC turnaround):

 1. payload bytes/s of a windowed write into pre-erased NOR at 921600 and 8 Mbaud, against the
    wire limit (baud / 10 bytes/s for 8N1); goal >= 90 % (docs/performance.md);
 2. an internal + NOR image (full size: 896 KB, the whole application area as sector 0 is the
    bootloader's, + 8 MB) flashed at 8 Mbaud with `plan`, against the devices' own erase+program
    bound from the simulator's timing profiles (docs/performance.md);
 3. the same image flashed again unchanged (goal < 1 s).

By default (2) is the full image (a few minutes of wall time); --int-kb/--nor-kb scale it down for a
quick look. The unchanged reflash (3) always uses the full image, placed on the board host-side first.
Usage: bench_link.py [--stream-kb 64] [--int-kb 896] [--nor-kb 8192]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host"))

from stm32boot import boards, plan  # noqa: E402
from stm32boot.image import Segment, merge  # noqa: E402

BOOTLOADER = os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf")
LATENCY = 0.001
APP, NOR = 0x0802_0000, 0x9000_0000
KB, MB = 1024, 1024 * 1024


def board_link(board, baud):
    """A fresh volatile simulated board with our bootloader, reached through a 1 ms link."""
    from stm32boot.sim.board import build as sim_build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.load_elf(BOOTLOADER)
    m.reset()
    return open_target(board, transport=SimTransport(board, machine=m, latency=LATENCY), baud=baud)


def pattern(n: int, seed: int) -> bytes:
    """Deterministic incompressible-looking bytes, no blank pages."""
    import random
    return random.Random(seed).randbytes(n)


def stream_rate(board, baud: int, nbytes: int) -> None:
    t = board_link(board, baud)
    try:
        t.erase([NOR + a for a in range(0, nbytes, 4 * KB)])
        data = pattern(nbytes, 1)
        v0, w0 = t.virtual_seconds, time.monotonic()
        t.write((NOR + off, data[off:off + 4096]) for off in range(0, nbytes, 4096))
        dv, dw = t.virtual_seconds - v0, time.monotonic() - w0
        if t.crc([(NOR, nbytes)])[0] != plan_crc(data):
            raise SystemExit("bench_link: the written data does not verify")
        rate, wire = nbytes / dv, baud / 10
        print(f"stream  {baud:>9,} baud: {nbytes // KB} KB payload into erased NOR in {dv:.3f} s virtual "
              f"({dw:.1f} s wall): {rate / 1e3:,.1f} KB/s = {100 * rate / wire:.1f} % of the wire limit "
              f"{wire / 1e3:,.1f} KB/s (goal >= 90 %: {'met' if rate >= 0.9 * wire else 'NOT met'}), "
              f"{t.link.retransmits} retransmissions")
    finally:
        t.close()


def plan_crc(data: bytes) -> int:
    from stm32boot.native import crc32
    return crc32(data)


def nor_erase_time(addrs: list[int], mem, t: dict) -> float:
    """Seconds the NOR needs to erase these 4 KB sectors with the best commands (ps in `t`): the chip
    erase when every sector goes, a 64 KB block erase for every whole aligned block, sectors otherwise."""
    ps = 1e-12
    if len(addrs) == len(mem.sector_list()):
        return t["chip"] * ps
    per_block: dict[int, int] = {}
    for a in addrs:
        per_block[(a - mem.base) // (64 * KB)] = per_block.get((a - mem.base) // (64 * KB), 0) + 1
    return sum(t["block"] * ps if n == 16 else n * t["sector"] * ps for n in per_block.values())


def device_bound(p: plan.Plan) -> tuple[float, float]:
    """(overlapped, serial) seconds the memories alone need to erase and program what the plan writes,
    from the datasheets' typical times as the simulator models them (internal flash at the bootloader's
    x32 parallelism, RM0468 / DS13945; MX25LM51245G: 4 KB sector 25 ms, 64 KB block 220 ms, chip 150 s,
    page 150 us) with the best erase command. The overlapped figure is the true floor: the link, the
    CRCs and the other memory all hidden behind the busiest memory. It counts no reading: the CRCs that
    compare the board with the image before and verify it after read the NOR, which then cannot erase or
    program, so they show in the measured figure (printed apart as "compare" and "verify")."""
    from stm32boot.sim.devices import mx25lm
    from stm32boot.sim.periph import flash
    ps = 1e-12
    word, sector, _ = flash.PROFILES["typ"][2]           # PSIZE x32 (firmware/boards/h735/iflash.c)
    nor = mx25lm.PROFILES["typical"]
    per = {}
    for mp in p.memories:
        er = mp.to_erase
        if mp.memory.kind == "internal":
            per["flash"] = len(er) * sector * ps + mp.write_bytes / 32 * word * ps
        else:
            per["nor"] = nor_erase_time([s.addr for s in er], mp.memory, nor) + mp.write_bytes / 256 * nor["page"] * ps
    return max(per.values()), sum(per.values())


def _timed(t, name: str) -> list:
    """[virtual seconds] spent in t.<name>, summed over its calls."""
    spent = [0.0]
    f = getattr(t, name)

    def timed(*a, **k):
        v0 = t.virtual_seconds
        try:
            return f(*a, **k)
        finally:
            spent[0] += t.virtual_seconds - v0
    setattr(t, name, timed)
    return spent


def flash_image(board, int_kb: int, nor_kb: int) -> None:
    """A fresh board flashed with internal + NOR data at 8 Mbaud, against the devices' bound."""
    img = merge([Segment(APP, pattern(int_kb * KB, 2), "internal.bin"),
                 Segment(NOR, pattern(nor_kb * KB, 3), "nor.bin")])
    t = board_link(board, 8_000_000)
    try:
        p = plan.build(img, board)
        c0 = time.process_time()
        v0, w0 = t.virtual_seconds, time.monotonic()
        plan.compare(p, t)                 # (execute would do it first; timed apart here)
        compare_s, compare_wall = t.virtual_seconds - v0, time.monotonic() - w0
        stream = _timed(t, "program")
        res = plan.execute(p, t)
        res.virtual_s += compare_s
        res.wall_s += compare_wall
        cpu = time.process_time() - c0
        over, serial = device_bound(p)
        ratio = res.virtual_s / over
        print(f"image   {int_kb} KB internal + {nor_kb:,} KB NOR at 8 Mbaud: {res.virtual_s:.2f} s virtual, "
              f"{res.wall_s:.1f} s wall (wall/virtual {res.wall_s / res.virtual_s:.2f}, goal <= 1.00: "
              f"{'met' if res.wall_s <= res.virtual_s else 'NOT met'}; CPU {cpu:.1f} s), "
              f"{img.size / res.virtual_s / 1e3:,.1f} KB/s; the devices' floor with the best erase commands "
              f"{over:.2f} s (both memories busy at once) / {serial:.2f} s (one after the other): "
              f"{ratio:.2f}x the floor (goal <= 1.10x: {'met' if ratio <= 1.10 else 'NOT met'}), "
              f"{res.virtual_s / serial:.2f}x the serial figure; {res.erased} sectors "
              f"erased, {t.link.retransmits} retransmissions; where the time goes: compare CRCs "
              f"{compare_s:.2f} s, erase + stream {stream[0]:.2f} s, verify CRCs + commit "
              f"{res.virtual_s - compare_s - stream[0]:.2f} s")
    finally:
        t.close()


def reflash_unchanged(board, int_kb: int, nor_kb: int) -> None:
    """The board already holds the image (put there host-side: how it got there does not matter
    here); flashing it again must only compare CRCs."""
    img = merge([Segment(APP, pattern(int_kb * KB, 4), "internal.bin"),
                 Segment(NOR, pattern(nor_kb * KB, 5), "nor.bin")])
    t = board_link(board, 8_000_000)
    try:
        m = t.t.m
        for addr, data in img.chunks:
            if addr >= NOR:
                m.nor.mem[addr - NOR:addr - NOR + len(data)] = data
                m.nor.changed(addr - NOR, addr - NOR + len(data))
            else:
                off = addr - m.flash.base if hasattr(m.flash, "base") else addr - 0x0800_0000
                m.flash.buf[off:off + len(data)] = data
                m.flash_changed(addr, addr + len(data))
        p = plan.build(img, board)
        t.commit(plan.digest(p))   # as the session that wrote it would have: an uncommitted image is rewritten
        res = plan.execute(p, t)
        if res.erased:
            raise SystemExit(f"bench_link: an unchanged reflash rewrote {res.erased} sectors")
        print(f"reflash {int_kb} KB internal + {nor_kb // 1024} MB NOR unchanged at 8 Mbaud: "
              f"{res.virtual_s:.3f} s virtual ({res.wall_s:.1f} s wall), {res.skipped} sectors skipped "
              f"by on-target CRC (goal < 1 s: {'met' if res.virtual_s < 1 else 'NOT met'})")
    finally:
        t.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stream-kb", type=int, default=64, help="payload per stream measurement")
    ap.add_argument("--int-kb", type=int, default=896, help="internal flash part of the flashed image")
    ap.add_argument("--nor-kb", type=int, default=8 * 1024, help="NOR part of the flashed image")
    args = ap.parse_args(argv)
    if not os.path.exists(BOOTLOADER):
        raise SystemExit(f"bench_link: {BOOTLOADER} is not built: run `doit firmware`")
    board = boards.get("h735")
    for baud in (921_600, 8_000_000):
        stream_rate(board, baud, args.stream_kb * KB)
    reflash_unchanged(board, 896, 8 * 1024)
    flash_image(board, args.int_kb, args.nor_kb)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
