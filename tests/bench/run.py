"""Run the benchmarks (tests/bench/bench_*.py) one after the other, their output as it comes, then a
summary: every line that states a goal, marked met / NOT met, and the scripts that failed. Every script
runs even when one fails; the exit status is non-zero if any failed. `doit bench [only=link,read]`.
Usage: run.py [NAME ...]   (NAME: bench_NAME.py; none: all)
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def scripts() -> dict[str, str]:
    return {os.path.basename(p)[6:-3]: p for p in sorted(glob.glob(os.path.join(HERE, "bench_*.py")))}


def run(name: str, path: str, goals: list[tuple[str, str]]) -> tuple[int, float]:
    print(f"== bench {name}", flush=True)
    t0 = time.monotonic()
    with subprocess.Popen([sys.executable, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, bufsize=1) as p:
        for line in p.stdout:
            print(line, end="", flush=True)
            if "goal" in line:
                goals.append((name, line.strip()))
        return p.wait(), time.monotonic() - t0


def verdict(line: str) -> str:
    if "NOT met" in line:
        return "NOT met"
    return "met" if "met" in line or "all passed" in line else "-"


def main(argv: list[str]) -> int:
    known = scripts()
    wanted = [n for a in argv for n in a.split(",") if n] or list(known)
    unknown = [n for n in wanted if n not in known]
    if unknown:
        print(f"bench: no benchmark named {', '.join(unknown)}; known: {' '.join(known)}")
        return 2
    goals: list[tuple[str, str]] = []
    failed, took = [], {}
    for name in wanted:
        rc, took[name] = run(name, known[name], goals)
        if rc:
            failed.append(f"{name} (exit {rc})")
    print("\n== bench summary: figures with a goal")
    for name, line in goals:
        print(f"  [{verdict(line):>7}] {name}: {line}")
    print(f"bench: {len(wanted)} benchmarks in {sum(took.values()):.0f} s wall"
          + (f"; FAILED: {', '.join(failed)} (output above)" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
