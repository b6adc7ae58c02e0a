"""The bootloader keeps its link served while a memory is busy, and a memory that stays busy ends in a clear
error instead of a hang. Both come from the shared drivers' non-blocking APIs (firmware/drivers/h7/mx25lm.c
*_start/mx25lm_poll, flash.c flash_*_start/flash_poll) that boards/h735/nor.c and iflash.c poll between
UART drains. At 8 Mbaud the 4 KB receive ring fills in 5 ms; a page program or flash word that blocked
the CPU for longer would lose bytes, which shows on the host as retransmissions."""
import os
import random

import pytest

from stm32boot import boards, protocol as P
from stm32boot.native import crc32
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.clock import ms
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build/firmware/h735/bootloader.elf")
BOARD = boards.get("h735")
NOR = BOARD.memory("nor").base
APP = BOARD.memory("flash").base + BOARD.bootloader_size

@pytest.fixture(autouse=True)
def _built():
    # `doit test` builds first, so a missing image is a broken build, not a reason to skip.
    assert os.path.exists(BL), "run `doit firmware` first"


def connect(**nor_times):
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.nor.times = dict(m.nor.times, **nor_times)
    m.load_elf(BL)
    m.reset()
    tg = Target(SimTransport(BOARD, machine=m))
    tg.hello()
    assert tg.negotiate_baud() == 8_000_000
    return m, tg


def test_slow_nor_pages_do_not_cost_a_single_byte_of_the_link():
    # 5 ms per page (the datasheet allows 10): a 4 KB frame keeps the NOR busy 80 ms, while the host
    # already sends the next frames of its window.
    m, tg = connect(page=ms(5))
    data = random.Random(1).randbytes(16 * 1024)
    tg.erase([NOR + a for a in range(0, len(data), 4096)])
    tg.write([(NOR, data)])
    assert tg.link.retransmits == 0
    assert bytes(m.nor.mem[:len(data)]) == data
    assert tg.crc([(NOR, len(data))]) == [crc32(data)]


def test_internal_flash_words_do_not_cost_a_single_byte_of_the_link():
    # 32 KB = 1024 flash words at the simulator's typical 260 us-class time each: 33 ms per 4 KB frame.
    m, tg = connect()
    data = random.Random(2).randbytes(32 * 1024)
    tg.erase([APP])
    tg.write([(APP, data)])
    assert tg.crc([(APP, len(data))]) == [crc32(data)]   # written in the background: done when this answers
    assert tg.link.retransmits == 0
    assert m.read(APP, len(data)) == data


def test_nor_stuck_busy_is_reported_as_a_timeout_and_the_board_keeps_answering():
    # A sector erase taking 1 s: past the 400 ms maximum the driver allows (docs/performance.md).
    m, tg = connect(sector=ms(1000))
    with pytest.raises(P.TargetError, match=rf"ERASE failed at 0x{NOR + 0x5000:08X} \(nor\): DEVICE_TIMEOUT: the memory stayed busy past its datasheet maximum"):
        tg.erase([NOR + 0x5000])
    assert tg.info().board == "h735"                 # still serving frames after the failure
    assert tg.read(APP, 32) == m.read(APP, 32)
