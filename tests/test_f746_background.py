"""The F746 internal flash erases and programs in the background (firmware/core/devq.h, the board's
iflash.c): the bootloader answers ERASE and WRITE at once and keeps receiving while a 32 KB sector erases,
so an image over three sectors takes the simulated board hardly longer than the flash's own erase and
program time; a program that fails in the background is reported on the next answer."""
import os
import random

import pytest

from stm32boot import boards, plan
from stm32boot.image import Segment, merge
from stm32boot.target import TargetError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
F746 = boards.get("f746")
APP, KB, BAUD = 0x0800_8000, 1024, 921_600


def _board():
    from stm32boot.sim.board import build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    elf = os.path.join(ROOT, "build", "firmware", "f746", "bootloader.elf")
    assert os.path.exists(elf), "build the firmware first: doit firmware"
    m = build(F746, warn=lambda *a: None)
    m.load_elf(elf)
    m.reset()
    return m, open_target(F746, transport=SimTransport(F746, machine=m, latency=0.001), baud=BAUD)


def test_sector_erases_overlap_the_stream_and_everything_verifies():
    data = random.Random(3).randbytes(96 * KB)    # sectors 1-3, 32 KB each; random: sent plain
    m, t = _board()
    try:
        t0 = t.virtual_seconds
        res = plan.execute(plan.build(merge([Segment(APP, data, "app.bin")]), F746), t)
        took = t.virtual_seconds - t0
        assert res.erased == 3 and m.read(APP, len(data)) == data
        # the memory's own work at DS10916 typical times: 3 erases of 250 ms, 24576 words of 16 us; the
        # wire (1.07 s) and the decode hide behind it (a blocking erase stalls the link: ~1.35x)
        device = 3 * 0.25 + len(data) / 4 * 16e-6
        assert took < 1.15 * device, (took, device)
        assert t.link.retransmits == 0
    finally:
        t.close()


def test_a_program_failing_in_the_background_is_reported_and_the_board_keeps_answering():
    m, t = _board()
    try:
        t.erase([APP])
        t.write([(APP, b"\x00" * 256)])
        with pytest.raises(TargetError) as e:
            t.write([(APP + 4096, b"\x5a" * 4096), (APP, b"\x11" * 256)])   # the second: cells already 0
            t.crc([(APP, 4)])
        assert "NOT_ERASED" in str(e.value) and "0x08008000" in str(e.value)
        assert t.crc([(APP + 4096, 4096)])[0] is not None     # still answering
        assert m.read(APP, 256) == b"\x00" * 256
    finally:
        t.close()
