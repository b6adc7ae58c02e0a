"""Flashing through a real serial port: the simulated H735 in its own process on a pseudo-terminal
(`stm32boot sim h735 --uart pty`), the host tool in another (`stm32boot flash --port`), as a user
with a board on /dev/ttyACM0 would run them (issue 15). WALL-clock figures: the simulator, not the
link, sets the pace here, so they measure the simulator's pty path and the host's adaptive link.

 1. the full image (896 KB application area + 8 MB NOR) flashed and verified by CRC; goal: it
    completes and verifies (the link must adapt to a board far slower than its worst-case model);
 2. the same image again, unchanged (goal < 5 s wall: CRCs only);
 3. optionally (--latency-ms) the image through a link with that much added latency each way.

Usage: bench_pty_link.py [--int-kb 896] [--nor-kb 8192] [--latency-ms 0]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from pty_board import LinkProxy, PtyBoard, stm32boot  # noqa: E402

APP, NOR = 0x0802_0000, 0x9000_0000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--int-kb", type=int, default=896)
    ap.add_argument("--nor-kb", type=int, default=8192)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pty-") as d:
        rng = random.Random(15)
        app, nor = os.path.join(d, "app.bin"), os.path.join(d, "nor.bin")
        with open(app, "wb") as f:
            f.write(rng.randbytes(a.int_kb * 1024))
        with open(nor, "wb") as f:
            f.write(rng.randbytes(a.nor_kb * 1024))
        specs = [f"{app}@0x{APP:08X}", f"{nor}@0x{NOR:08X}"]
        total = (a.int_kb + a.nor_kb) * 1024
        board = PtyBoard(d)
        proxy = LinkProxy(board.link, latency=a.latency_ms / 1000) if a.latency_ms else None
        port = proxy.path if proxy else board.link
        try:
            t0 = time.monotonic()
            r = stm32boot("flash", "--port", port, "--no-reset", *specs, timeout=7200)
            took = time.monotonic() - t0
            ok = r.returncode == 0 and "verified by CRC" in r.stdout
            print(f"pty flash {a.int_kb} KB + {a.nor_kb} KB"
                  f"{f' with {a.latency_ms:g} ms each way' if a.latency_ms else ''}: "
                  f"{'verified' if ok else 'FAILED'} in {took:.1f} s wall = "
                  f"{total / took / 1024:.1f} KB/s (goal: completes and verifies: {'met' if ok else 'NOT met'})")
            if not ok:
                print(r.stdout[-2000:], r.stderr[-2000:])
                return 1
            t0 = time.monotonic()
            r = stm32boot("flash", "--port", port, "--no-reset", *specs, timeout=600)
            took = time.monotonic() - t0
            print(f"pty reflash unchanged: {took:.1f} s wall (goal < 5 s: {'met' if r.returncode == 0 and took < 5 else 'NOT met'}); "
                  f"{r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr[-300:]}")
        finally:
            if proxy:
                proxy.close()
            board.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
