"""The NOR keeps its contents in the board's state directory, sparsely (issue 3)."""
import os

from stm32boot.sim.board import build as sim_build


def test_nor_contents_persist_sparsely(tmp_path):
    data = bytes((i * 7 + 3) & 0xFF for i in range(100 * 1024))
    m = sim_build("h735", state_dir=str(tmp_path))
    m.nor.mem[0x100000:0x100000 + len(data)] = data
    m.nor.changed(0x100000, 0x100000 + len(data))
    m.close()
    # 100 KB of a 64 MB chip costs about 100 KB on disk, not 64 MB.
    nor_files = [f for f in os.listdir(tmp_path) if f.startswith("nor")]
    assert nor_files and sum(os.path.getsize(tmp_path / f) for f in nor_files) < 200 * 1024
    m2 = sim_build("h735", state_dir=str(tmp_path))
    try:
        assert bytes(m2.nor.mem[0x100000:0x100000 + len(data)]) == data
        assert m2.nor.mem[0x0FFFFF] == 0xFF and m2.nor.mem[0x100000 + len(data)] == 0xFF
    finally:
        m2.close()
    m3 = sim_build("h735", state_dir=str(tmp_path), blank=True)  # --blank starts erased
    try:
        assert m3.nor.mem[0x100000] == 0xFF
    finally:
        m3.close()
