"""`read` throughput on the simulated H735's VIRTUAL clock (what a board would take) with a 1 ms one-way
link latency: 256 KB of internal flash and 1 MB of NOR read back at 921600 and 8 Mbaud, against the wire
limit (baud / 10 bytes/s, 8N1) for the reply bytes the board must send. Goal (issue 17): `read` at the
wire's rate, >= 90 % of the wire limit. Wall seconds are printed beside the virtual ones.
Usage: bench_read.py [--int-kb 256] [--nor-kb 1024]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host"))

from bench_link import BOOTLOADER, board_link  # noqa: E402  (a fresh H735 with our bootloader, 1 ms link)
from stm32boot import boards  # noqa: E402
from stm32boot.native import crc32  # noqa: E402

KB = 1024


def read_rate(board, baud: int, addr: int, nbytes: int, label: str) -> bool:
    t = board_link(board, baud)
    try:
        data = random.Random(addr).randbytes(nbytes)
        t.erase(_sectors(t, addr, nbytes))
        t.write((addr + o, data[o:o + 4096]) for o in range(0, nbytes, 4096))
        t.crc([(addr, nbytes)])   # waits for the board to finish programming (internal flash works in the background)
        v0, w0 = t.virtual_seconds, time.monotonic()
        back = t.read(addr, nbytes)
        dv, dw = t.virtual_seconds - v0, time.monotonic() - w0
        if crc32(back) != crc32(data):
            raise SystemExit(f"bench_read: {label}: the bytes read back differ from those written")
        rate, wire = nbytes / dv, baud / 10
        ok = rate >= 0.9 * wire
        print(f"read {label:<9} {nbytes // KB:>5} KB at {baud:>9,} baud: {dv:.3f} s virtual, {dw:.2f} s wall: "
              f"{rate / 1e3:,.1f} KB/s = {100 * rate / wire:.1f} % of the wire limit {wire / 1e3:,.1f} KB/s "
              f"(goal >= 90 %: {'met' if ok else 'NOT met'}), {t.link.retransmits} retransmissions")
        return ok
    finally:
        t.close()


def _sectors(t, addr: int, nbytes: int) -> list[int]:
    for mem in t.info().memories:
        if mem.base <= addr < mem.base + mem.size:
            return [a for a, n in mem.sector_list() if a < addr + nbytes and a + n > addr]
    raise SystemExit(f"bench_read: 0x{addr:08X} is in no memory of the board")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--int-kb", type=int, default=256)
    ap.add_argument("--nor-kb", type=int, default=1024)
    args = ap.parse_args(argv)
    if not os.path.exists(BOOTLOADER):
        raise SystemExit(f"bench_read: {BOOTLOADER} is not built: run `doit firmware`")
    board = boards.get("h735")
    app = next(m for m in board.memories if m.kind == "internal")
    nor = next(m for m in board.memories if m.kind == "external_nor")
    for baud in (921_600, 8_000_000):
        read_rate(board, baud, app.base + 128 * KB, args.int_kb * KB, "internal")
        read_rate(board, baud, nor.base, args.nor_kb * KB, "NOR")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
