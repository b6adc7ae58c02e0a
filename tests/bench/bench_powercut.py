"""The exhaustive power-cut campaign (issue 15; tests/test_powercut.py runs a subset): an application
over both memories is flashed over an older one and the power is cut at EVERY erase and program
operation of the session in turn; then the same for the bootloader self-update (every --update-every
-th flash word, plus the erase and the last word). Prints the number of cut points tried and the time.
Goal: all pass. Usage: bench_powercut.py [--board h735] [--every 1] [--update-every 16]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import powercut_campaign as Campaign  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--board", default="h735", help="a board of the registry with an external NOR")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--update-every", type=int, default=16)
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="bench_powercut")
    rig = Campaign.Rig(a.board)
    old, old_imm = rig.app_image(1, False)
    rig.make_base(os.path.join(d, "base"), old)
    for tag, first in ((2, False), (3, True)):
        new, new_imm = rig.app_image(tag, first)
        ops = rig.count_ops(os.path.join(d, "base"), os.path.join(d, "dry"), new)
        pts = Campaign.cut_points(ops, a.every) if a.every > 1 else range(1, len(ops) + 1)
        t0 = time.monotonic()
        n = sum(1 for k in pts if rig.one_cut(os.path.join(d, "base"), os.path.join(d, "w"), k, old, new,
                                            new_imm, old_imm, seed=k))
        print(f"{a.board} flash {'changing every sector' if first else 'keeping the first sector'}: {n} of {len(ops)} "
              f"operations cut, all passed ({time.monotonic() - t0:.0f} s wall) (goal: all pass)")
    blob = open(rig.bl_bin, "rb").read()
    total = len(rig.count_update_ops(os.path.join(d, "base"), os.path.join(d, "dry"), blob))
    pts = sorted({1, total, *range(2, total, a.update_every)})
    t0 = time.monotonic()
    seen = {}
    for k in pts:
        _, state = rig.one_update_cut(os.path.join(d, "base"), os.path.join(d, "u"), k, old, old_imm, blob, seed=k)
        seen[state] = seen.get(state, 0) + 1
    print(f"{a.board} bootloader self-update: {len(pts)} of {total} operations cut, application intact and board "
          f"recovered every time ({time.monotonic() - t0:.0f} s wall); sector 0 at power-up: {seen}")


if __name__ == "__main__":
    main()
