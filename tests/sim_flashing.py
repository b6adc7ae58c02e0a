"""A fresh simulated H735 running the built bootloader, flashed in process at 8 Mbaud: the scenario the
tests that compare the simulator's fast paths with its plain paths run twice (virtual time, instruction
count, memories and register values must not differ)."""
import os

from stm32boot import boards
from stm32boot.native import crc32
from stm32boot.sim.board import build as sim_build
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build/firmware/h735/bootloader.elf")
APP, NOR = 0x0802_0000, 0x9000_0000


def flash_h735(app: bytes, nor: bytes, setup=lambda m: None):
    """Erase and write `app` at APP (internal flash) and `nor` at NOR through the bootloader, check both by
    CRC, and return the machine. setup(m) runs on the new machine before the bootloader is loaded."""
    assert os.path.exists(BL), "run `doit firmware` first"
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    setup(m)
    m.load_elf(BL)
    m.reset()
    t = SimTransport(boards.get("h735"), machine=m, latency=0.001)
    t.wall_limit = 120
    tg = Target(t)
    tg.hello()
    assert tg.negotiate_baud() == 8_000_000
    block = 4096
    tg.erase(([APP] if app else []) + [NOR + a for a in range(0, len(nor), block)])
    tg.write([(APP + off, app[off:off + block]) for off in range(0, len(app), block)] +
             [(NOR + off, nor[off:off + block]) for off in range(0, len(nor), block)])
    spans = ([(APP, len(app))] if app else []) + [(NOR, len(nor))]
    assert tg.crc(spans) == [crc32(d) for d in ((app,) if app else ()) + (nor,)]
    return m
