"""How fast the simulated boards flash, wall clock against their own virtual clock: `stm32boot flash` of
each board's demo (internal flash + NOR) and of a raw NOR image on the H735 (256 KB by default), each on
a fresh board, through the CLI in this process. Prints wall and virtual seconds side by side (goal: wall
<= virtual, the simulator at least as fast as the board), the process's CPU seconds (what the wall figure
would be on an idle machine), payload bytes/s wall, emulated MIPS, peripheral register accesses (those
the Python models served, and those the C side answered: data-register stores collected for a FIFO,
cycle-counter reads, stable-register reads, posted writes) per second and per payload byte, and the busiest registers (--count adds the
per-register table; counting itself costs a little time). Needs `doit firmware`.
Usage: bench_flash_sim.py [--nor-kb 256] [--count] [--skip-demo] [--boards h735,f746]
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import random
import re
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host"))

from stm32boot import cli  # noqa: E402
from stm32boot.sim import machine as M  # noqa: E402



def demo(board: str) -> str:
    return os.path.join(ROOT, "build", "firmware", board, "demo.elf")


class Counter:
    """Counts MMIO accesses (and the machines built) by wrapping the machine's dispatch."""

    def __init__(self, per_reg: bool, counting: bool = True):
        self.counting = counting
        self.reads = self.writes = 0
        self.by_reg = collections.Counter()
        self.machines = []
        self.per_reg = per_reg
        self._orig = (M.Machine._read, M.Machine._write, M.Machine.__init__)

    def __enter__(self):
        c, (rd, wr, init) = self, self._orig
        if not self.counting:       # only the machine is recorded: the wall figure stays undisturbed
            def __init__(m, *a, **kw):
                init(m, *a, **kw)
                c.machines.append(m)
            M.Machine.__init__ = __init__
            return self

        def _read(m, addr, size):
            c.reads += 1
            if c.per_reg:
                p, off, _ = m._route(addr)
                c.by_reg["R " + m.name(p, off)] += 1
            return rd(m, addr, size)

        def _write(m, addr, size, value):
            c.writes += 1
            if c.per_reg:
                p, off, _ = m._route(addr)
                c.by_reg["W " + m.name(p, off)] += 1
            return wr(m, addr, size, value)

        def __init__(m, *a, **kw):
            init(m, *a, **kw)
            c.machines.append(m)

        M.Machine._read, M.Machine._write, M.Machine.__init__ = _read, _write, __init__
        return self

    def __exit__(self, *exc):
        M.Machine._read, M.Machine._write, M.Machine.__init__ = self._orig


def flash(label: str, board: str, images: list[str], payload: int, per_reg: bool, counting: bool) -> bool:
    with tempfile.TemporaryDirectory() as state, Counter(per_reg, counting) as c:
        out = io.StringIO()
        w0, c0 = time.monotonic(), time.process_time()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            rc = cli.main(["flash", "--board", board, "--state", state, "--no-reset", *images])
        wall, cpu = time.monotonic() - w0, time.process_time() - c0
        m = c.machines[-1] if c.machines else None
        insns = m.vc.insns if m is not None else 0
    summary = next((ln for ln in out.getvalue().splitlines() if ln.startswith("flash:")), "")
    if rc != 0 or not summary:
        sys.exit(f"{label}: flash failed (exit {rc}):\n{out.getvalue()[-2000:]}")
    virt = float(re.search(r"([\d.]+) s on the simulated board", summary).group(1))
    acc = c.reads + c.writes
    ok = wall <= virt
    print(f"  {board} {label:<29} wall {wall:7.2f} s  virtual {virt:6.3f} s  wall/virtual {wall / virt:5.2f} "
          f"(goal <= 1.00: {'met' if ok else 'NOT met'}; CPU {cpu:.2f} s = {cpu / virt:.2f}x, wall on an idle "
          f"machine)  {payload / wall / 1024:7.1f} KB/s wall  "
          f"{insns / wall / 1e6:5.1f} MIPS")
    if counting:
        vc = m.vc if m is not None else None
        in_c = sum(getattr(vc, f, 0) for f in ("sink_writes", "time_reads", "rc_hits", "posted"))
        print(f"    {acc / wall / 1e3:6.1f} k reg accesses/s in Python  {acc / max(payload, 1):5.2f} accesses/byte "
              f"({c.reads} R, {c.writes} W); {in_c} more answered in C ({in_c / max(payload, 1):.2f}/byte)")
    print(f"    {summary}")
    if per_reg:
        for name, n in c.by_reg.most_common(12):
            print(f"      {name:<24} {n:9d}  {n / max(payload, 1):6.3f}/byte")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nor-kb", type=int, default=256)
    ap.add_argument("--count", action="store_true", help="count register accesses (slows the run) and "
                    "print the per-register table")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--boards", default="h735,f746", help="boards whose demo is flashed")
    a = ap.parse_args()
    boards = [b for b in a.boards.split(",") if b]
    for b in boards:
        if not os.path.exists(demo(b)):
            sys.exit(f"{demo(b)} missing: run `doit firmware` first")
    print("bench_flash_sim: flashing the simulated boards through the CLI (H735: 8 Mbaud, DMA receive; "
          "F746: 921600 baud, polled USART)")
    if not a.skip_demo:
        from stm32boot.image import load
        for b in boards:
            flash("demo.elf (flash + NOR)", b, [demo(b)], load([demo(b)]).size, a.count, a.count)
    if a.nor_kb:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "nor.bin")
            with open(path, "wb") as f:
                f.write(random.Random(1).randbytes(a.nor_kb * 1024))
            flash(f"{a.nor_kb} KB raw NOR image", "h735", [path + "@0x90000000"], a.nor_kb * 1024, a.count, a.count)


if __name__ == "__main__":
    main()
