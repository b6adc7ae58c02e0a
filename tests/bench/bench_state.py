"""Durable simulator state (issue 15): what making every completed erase/program durable costs.

Replays the device operations of flashing the full 896 KB internal + 8 MB NOR image into a state
directory exactly as the models report them (sim/state.py `wrote`: one journal record per operation):
7 internal sector erases + 28,672 flash-word programs + 2,048 NOR sector erases +
32,768 NOR page programs, then the fold into base images at close and the replay at the next open.
Goal: the journal costs < 2 % of what flashing that image takes on the simulator (README figure:
~28 KB/s wall, i.e. ~330 s for this image), and a reopen replays it in < 2 s.
Usage: bench_state.py [--fsync]   (--fsync: STM32BOOT_SIM_FSYNC=1, every record fsynced)
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host"))

from stm32boot.sim.state import SimState  # noqa: E402

KB, MB = 1024, 1024 * 1024
SIM_FLASH_S = (896 * KB + 8 * MB) / (28 * KB)   # README: flashing through the simulated bootloader


def main() -> None:
    if "--fsync" in sys.argv:
        os.environ["STM32BOOT_SIM_FSYNC"] = "1"
    d = tempfile.mkdtemp(prefix="bench_state")
    try:
        st = SimState.open("h735", d)
        fl = st.blob("flash", 1 * MB)
        nor = st.blob("nor", 64 * MB, sparse=True)
        data = os.urandom(256)
        t0 = time.perf_counter()
        for s in range(1, 8):                                   # sector erases
            fl[s * 128 * KB:(s + 1) * 128 * KB] = b"\xff" * (128 * KB)
            st.wrote("flash", s * 128 * KB, 128 * KB)
        for off in range(128 * KB, MB, 32):                     # flash words
            fl[off:off + 32] = data[:32]
            st.wrote("flash", off, 32)
        for off in range(0, 8 * MB, 4 * KB):                    # NOR sector erases
            nor[off:off + 4 * KB] = b"\xff" * (4 * KB)
            st.wrote("nor", off, 4 * KB)
        for off in range(0, 8 * MB, 256):                       # NOR pages
            nor[off:off + 256] = data
            st.wrote("nor", off, 256)
        t_journal = time.perf_counter() - t0
        jsize = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.startswith("journal."))
        st.close()                                              # as after a kill: journal only
        t0 = time.perf_counter()
        st = SimState.open("h735", d)
        st.blob("flash", 1 * MB)
        nor2 = st.blob("nor", 64 * MB, sparse=True)
        t_replay = time.perf_counter() - t0
        assert nor2[:256] == data
        t0 = time.perf_counter()
        st.save()
        st.close()
        t_fold = time.perf_counter() - t0
    finally:
        shutil.rmtree(d, ignore_errors=True)
    pct = 100 * t_journal / SIM_FLASH_S
    print(f"durable state, 896 KB + 8 MB image ({'fsync per record' if '--fsync' in sys.argv else 'write per record'}):")
    print(f"  journal: {t_journal:.2f} s for 63,495 operations ({jsize / MB:.1f} MB) = {pct:.2f} % of the "
          f"~{SIM_FLASH_S:.0f} s the simulator takes to flash it (goal < 2 %: {'met' if pct < 2 else 'NOT met'})")
    print(f"  reopen after a kill (replay): {t_replay:.2f} s (goal < 2 s: {'met' if t_replay < 2 else 'NOT met'}); fold into base images at close: "
          f"{t_fold:.2f} s")


if __name__ == "__main__":
    main()
