"""A damaged link (dropped, duplicated and corrupted bytes both ways, then a stall) between the
uploader and the simulated board still ends in a verified image, and the board holds it; on each board."""
import os
import random

import pytest

from stm32boot import boards, plan
from stm32boot.image import Segment, merge
from stm32boot.sim.board import build
from stm32boot.sim_link import SimTransport
from stm32boot.target import open_target
from stm32boot.transport import FaultyTransport

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("name", ("h735", "f746"))
def test_damaged_link_still_ends_in_a_verified_image(name):
    board = boards.get(name)
    BOOTLOADER = os.path.join(ROOT, "build", "firmware", name, "bootloader.elf")
    APP = board.memory("flash").base + board.bootloader_size    # the application's first sector
    NOR = board.memory("nor").base
    assert os.path.exists(BOOTLOADER), "build the firmware first: doit firmware"
    m = build(board, warn=lambda *a: None)
    m.load_elf(BOOTLOADER)
    m.reset()
    rnd = random.Random(4)
    code, table = rnd.randbytes(12 * 1024), rnd.randbytes(12 * 1024)
    img = merge([Segment(APP, code, "app.bin"), Segment(NOR + 0x3000, table, "table.bin")])
    link = FaultyTransport(SimTransport(board, machine=m, latency=0.001), seed=7)
    t = open_target(board, transport=link, baud=921_600)
    # The damage starts once the session is up: the uploader's part is erase/write/CRC traffic.
    link.tx = link.rx = (2e-5, 2e-5, 2e-5)     # drop, duplicate, corrupt per byte: ~1 frame in 4 hit
    link.stall_after, link.stall_s = link.sent + 9000, 0.3
    try:
        res = plan.execute(plan.build(img, board), t)
        assert res.erased == 1 + 3 and res.verified == 4
        assert t.link.retransmits > 0                    # the damage really happened
        assert t.read(NOR + 0x3000, len(table)) == table
        assert m.read(APP, len(code)) == code            # the simulated flash array itself
        again = plan.execute(plan.build(img, board), t)
        assert again.erased == 0 and again.skipped == 4
    finally:
        t.close()
