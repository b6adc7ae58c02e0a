"""The internal flash erases and programs while the NOR is busy (firmware/core/devq.h, the plan's
interleaving): an image over both memories takes the simulated H735 less time than its memories' work one
after the other, and every byte is on the board."""
import os
import random

from stm32boot import boards
from stm32boot import plan as planmod
from stm32boot.image import Segment, merge

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
H735 = boards.get("h735")
APP, NOR, KB = 0x0802_0000, 0x9000_0000, 1024
PS = 1e-12


def _board():
    from stm32boot.sim.board import build as sim_build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.load_elf(os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf"))
    m.reset()
    return m, open_target(H735, transport=SimTransport(H735, machine=m), baud=8_000_000)


def _serial_seconds(int_kb: int, nor_kb: int) -> float:
    """The memories' own erase + program time, one after the other, from the simulator's datasheet typical
    times: internal flash at the bootloader's x32 parallelism (128 KB sectors, 32-byte words), the
    MX25LM51245G erasing 64 KB blocks and programming 256-byte pages."""
    from stm32boot.sim.devices import mx25lm
    from stm32boot.sim.periph import flash
    word, sector, _ = flash.PROFILES["typ"][2]
    nor = mx25lm.PROFILES["typical"]
    internal = int_kb // 128 * sector + int_kb * KB // 32 * word
    external = nor_kb // 64 * nor["block"] + nor_kb * KB // 256 * nor["page"]
    return (internal + external) * PS


def test_internal_flash_and_nor_are_written_at_the_same_time_and_everything_verifies():
    rnd = random.Random(17)
    internal, external = rnd.randbytes(256 * KB), rnd.randbytes(1024 * KB)
    img = merge([Segment(APP, internal, "app.bin"), Segment(NOR, external, "nor.bin")])
    m, tg = _board()
    try:
        res = planmod.execute(planmod.build(img, H735), tg)
        assert res.erased == 2 + 256   # every 4 KB NOR sector and both 128 KB internal sectors, verified
        serial = _serial_seconds(256, 1024)
        assert res.virtual_s < 0.85 * serial, (res.virtual_s, serial)
        assert m.read(APP, len(internal)) == internal
        assert m.read(NOR, len(external)) == external
        assert tg.link.retransmits == 0
    finally:
        tg.close()
