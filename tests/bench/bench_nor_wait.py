"""Vendor-style NOR waits (issue 16): wall time of one 64 KB block erase (220 ms on the virtual clock)
waited out by HAL-style automatic status polling with a tick read between SR reads, by repeated
indirect RDSR reads (with and without a tick read between them), and by our own loader's driver.
Goal: each under 0.1 s of wall time, whatever the polling style."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ospi_build import build_group  # noqa: E402
from stldr_build import build_loader  # noqa: E402
from stm32boot.sim.loader_harness import Loader, LoaderHarness  # noqa: E402

GOAL_S = 0.1
BLOCK = 0x1_0000


def erase_wall(path: str) -> tuple[float, float, bool]:
    h = LoaderHarness(Loader.open(path))
    assert h.call("Init").ok
    h.m.nor.mem[0:BLOCK] = b"\0" * BLOCK
    t0 = time.perf_counter()
    r = h.call("SectorErase", 0x9000_0000, 0x9000_0000 + BLOCK - 1)
    wall = time.perf_counter() - t0
    return wall, r.virtual_s, r.ok and r.r0 == 1 and h.m.nor.mem[0:BLOCK] == b"\xff" * BLOCK


def main():
    fid = build_group("tests/firmware/fidelity/images.py")
    cases = [("HAL auto-polling, tick read between SR reads", fid["vendor_autopoll"]),
             ("repeated indirect RDSR reads", fid["vendor_rdsr"]),
             ("repeated indirect RDSR reads + tick read", fid["vendor_rdsr_tick"]),
             ("our loader's driver", build_loader())]
    for what, path in cases:
        wall, virt, ok = erase_wall(path)
        print(f"64 KB NOR erase waited by {what}: {wall:.3f} s wall ({virt * 1e3:.0f} ms virtual, "
              f"{'erased' if ok else 'NOT ERASED'}); goal < {GOAL_S} s wall: {'met' if ok and wall < GOAL_S else 'NOT met'}")


if __name__ == "__main__":
    main()
