"""Simulator core figures: emulated MIPS on a CRC loop (C block hook counting every instruction),
the same with the run sliced by frequent events, and virtual vs wall time for polling and WFI runs.
Uses build/testfw/core/core.elf (doit testfw)."""
import os
import struct
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host"))

from stm32boot.sim.board import build as sim_build  # noqa: E402
from stm32boot.sim.clock import PS_PER_S  # noqa: E402

ELF = os.path.join(ROOT, "build", "testfw", "core", "core.elf")
SC_SYSTICK_POLL, SC_WFI_TICKS, SC_CRC = 3, 5, 10


def boot(sc, arg):
    m = sim_build("h735", warn=lambda s: None)
    m.load_elf(ELF)
    m.write(0x3880_0000, struct.pack("<II", sc, arg))
    m.reset()
    return m


def line(what, res):
    mips = res.instructions / res.wall_s / 1e6
    print(f"  {what:<44} {res.instructions / 1e6:8.1f} M insns  wall {res.wall_s:7.3f} s  "
          f"virtual {res.virtual_s:8.4f} s  {mips:6.1f} MIPS  (virtual/wall {res.virtual_s / res.wall_s:6.2f})")


def main():
    if not os.path.exists(ELF):
        sys.exit(f"{ELF} missing: run `doit testfw` first")
    print("bench_sim: simulator core (64 MHz reset clock, CPI 1)")
    best = None
    for _ in range(3):
        m = boot(SC_CRC, 1 << 20)
        res = m.run(timeout_s=120)
        assert res.reason == "bkpt", res.summary()
        best = res if best is None or res.wall_s < best.wall_s else best
    line("CRC-32 bitwise over 1 MB (best of 3)", best)

    m = boot(SC_CRC, 256 << 10)
    period = 10 * PS_PER_S // 1_000_000      # an event every 10 us of virtual time
    for i in range(1, 2000):
        m.clock.after(i * period, lambda: None)
    line("CRC-32 over 256 KB, an event every 10 us", m.run(timeout_s=120))

    m = boot(SC_SYSTICK_POLL, 1000)
    line("SysTick COUNTFLAG polled for 1000 ms", m.run(timeout_s=120))

    m = boot(SC_WFI_TICKS, 1000)
    line("WFI + SysTick interrupt, 1000 ticks", m.run(timeout_s=120))


if __name__ == "__main__":
    t = time.monotonic()
    main()
    print(f"bench_sim: done in {time.monotonic() - t:.1f} s")
