"""Figures for the native module: CRC-32/MPEG-2 vs zlib.crc32, and packing a 64 MiB sparse image.

A script, not a test: `doit bench` runs it. Goals (issue 2): crc ratio to zlib >= 1.0, packing >= 1 GB/s.
"""
import os
import random
import time
import zlib

from stm32boot._native import lib
from stm32boot.boards.model import Memory
from stm32boot.native import crc32, pack_memory

MiB = 1 << 20


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def crc_figures(buf):
    n = len(buf)
    ours = n / best(lambda: crc32(buf)) / 1e6
    table = n / best(lambda: lib.crc32_mpeg2_table(0xFFFFFFFF, buf, n)) / 1e6
    ref = n / best(lambda: zlib.crc32(buf)) / 1e6
    clmul = bool(getattr(lib, "crc32_mpeg2_has_clmul", lambda: 0)())
    print(f"crc32 (CRC-32/MPEG-2, {'PCLMUL fold' if clmul else 'table'}) on 64 MiB: {ours:8.0f} MB/s")
    print(f"crc32 table path (slice-by-16)      on 64 MiB: {table:8.0f} MB/s")
    print(f"zlib.crc32                          on 64 MiB: {ref:8.0f} MB/s")
    print(f"ratio ours / zlib.crc32: {ours / ref:.2f}  (goal >= 1.0: {'met' if ours >= ref else 'NOT met'})")


def sparse_image(rnd, total=64 * MiB, page=256):
    """~`total` bytes in many segments with gaps; about 30 % of the pages are all 0xFF."""
    data = bytearray(os.urandom(total))
    blank = 0
    for off in range(0, total, 4096):
        if rnd.random() < 0.30:
            data[off:off + 4096] = b"\xff" * 4096
            blank += 4096
    view, segs, addr, off = memoryview(data), [], 0, 0
    while off < total:
        n = min(rnd.randrange(4096, 128 * 1024), total - off)
        addr += rnd.choice((0, 0, page, 8192)) + rnd.randrange(0, 4) * 4  # gaps, unaligned starts
        segs.append((addr, view[off:off + n]))
        addr, off = addr + n, off + n
    return segs, blank / total


def pack_figures(rnd):
    segs, blank_frac = sparse_image(rnd)
    total = sum(len(d) for _, d in segs)
    # An MX25LM-like NOR twice the H735G-DK's size, so the image fits with its gaps.
    mem = Memory("nor", 0x9000_0000, 128 * MiB, ((32768, 4096),), program_unit=2, page_size=256)
    segs = [(mem.base + a, d) for a, d in segs]
    t_pack = best(lambda: pack_memory(segs, mem))
    r = pack_memory(segs, mem)
    t0 = time.perf_counter()
    n = sum(1 for _ in r.iter_pages())
    t_iter = time.perf_counter() - t0
    t0 = time.perf_counter()
    ns = len(r.sectors)
    t_sec = time.perf_counter() - t0
    print(f"pack: {total / MiB:.0f} MiB image in {len(segs)} segments, {blank_frac:.0%} blank pages in the data, "
          f"{r.blank_pages} blank pages dropped, {n} pages, {ns} sectors")
    print(f"pack (one C pass incl. sector CRCs, 4 KiB sectors, 256 B pages): {total / t_pack / 1e6:8.0f} MB/s "
          f"({t_pack * 1e3:.1f} ms)  (goal >= 1000: {'met' if total / t_pack >= 1e9 else 'NOT met'})")
    print(f"then iter_pages() over {n} pages: {t_iter * 1e3:.1f} ms; sectors list: {t_sec * 1e3:.1f} ms")


def main():
    rnd = random.Random(2)
    crc_figures(os.urandom(64 * MiB))
    pack_figures(rnd)


if __name__ == "__main__":
    main()
