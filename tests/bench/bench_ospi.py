"""OCTOSPI side figures: guest reads of the memory-mapped NOR (direct window vs the per-access path a
wrong configuration takes), and an external loader's Write/erase throughput, wall and virtual."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from elftools.elf.elffile import ELFFile  # noqa: E402

from ospi_build import ROOT, build_group  # noqa: E402
from stm32boot.sim.board import build as sim_build  # noqa: E402
from stm32boot.sim.loader_harness import Loader, LoaderHarness  # noqa: E402

STUB, SP = 0x2400_0000, 0x2404_0000


def mapped_reads():
    path = build_group("tests/firmware/ospi/images.py")["ospi_fw"]
    with open(path, "rb") as f:
        syms = {s.name: s["st_value"] for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols()}
    for dcyc, n in ((6, 4 << 20), (5, 64 << 10)):
        m = sim_build("h735")
        m.load_elf(path)
        m.write(STUB, b"\x00\xbe\x00\x00")
        t0 = time.perf_counter()
        r = m.call(syms["t_sum_mapped"], (n, dcyc), lr_stub=STUB, sp=SP, timeout_s=120)
        wall = time.perf_counter() - t0
        kind = m.octospi1.window.kind
        print(f"mapped NOR read, {dcyc} dummy cycles ({kind} window): {n >> 10} KB in {wall:.2f} s wall "
              f"= {n / wall / 1e6:.1f} MB/s guest read rate ({r.reason}, {r.instructions} insns)")


def loader_write():
    stldr = os.path.join(ROOT, "build", "testfw", "badloaders", "loader_good.stldr")
    build_group("tests/firmware/badloaders/images.py")
    h = LoaderHarness(Loader.open(stldr))
    h.call("Init")
    n = 256 << 10
    t0 = time.perf_counter()
    e = h.call("SectorErase", 0x9000_0000, 0x9000_0000 + n - 1)
    data = os.urandom(n)
    w = h.call("Write", 0x9000_0000, n, h.put_buffer(data))
    wall = time.perf_counter() - t0
    print(f"test loader: erase+write {n >> 10} KB through indirect mode: {wall:.2f} s wall, "
          f"{(e.virtual_s + w.virtual_s) * 1e3:.0f} ms virtual (erase {e.virtual_s * 1e3:.0f} ms, "
          f"write {w.virtual_s * 1e3:.0f} ms) = {n / wall / 1e3:.0f} KB/s wall; ok={e.ok and w.ok}")


if __name__ == "__main__":
    mapped_reads()
    loader_write()
