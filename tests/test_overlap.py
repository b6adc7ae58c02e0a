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


def _board(name="h735", wrap=None, baud=8_000_000):
    from stm32boot.sim.board import build as sim_build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    board = boards.get(name)
    m = sim_build(name, state_dir=None, warn=lambda *a: None)
    m.load_elf(os.path.join(ROOT, "build", "firmware", name, "bootloader.elf"))
    m.reset()
    t = SimTransport(board, machine=m)
    return m, open_target(board, transport=wrap(t) if wrap else t, baud=baud)


class InFlight:
    """A transport that counts request frames sent and replies received: the most requests the host had
    unanswered at once."""

    def __init__(self, t):
        from stm32boot import protocol as P
        self.t, self.out, self.back = t, P.Decoder(), P.Decoder()
        self.sent = self.answered = self.most = 0
        self.flag = P.FLAG_REPLY

    def __getattr__(self, name):
        return getattr(self.t, name)

    def write(self, data):
        self.sent += sum(1 for f in self.out.feed(bytes(data)) if not f.flags & self.flag)
        self.most = max(self.most, self.sent - self.answered)
        return self.t.write(data)

    def read(self, timeout):
        data = self.t.read(timeout)
        self.answered += sum(1 for f in self.back.feed(data) if f.flags & self.flag)
        return data


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


def test_the_host_keeps_as_many_frames_in_flight_as_each_bootloader_advertises():
    """The window is the bootloader's (proto_info.window, its receive buffers): both boards have RAM for a
    NOR's whole 64 KB block and the next ERASE (17 frames) while the previous block erases. The host fills
    exactly the window it was given, never more."""
    from stm32boot._protocol import lib
    from stm32boot.native import crc32
    data = random.Random(5).randbytes(256 * KB)
    least = 64 * KB // lib.PROTO_MAX_DATA + 1
    for name, baud in (("h735", 8_000_000), ("f746", 921_600)):
        m, tg = _board(name, InFlight, baud)
        try:
            window = tg.info().window
            assert least <= window <= lib.PROTO_WINDOW, (name, window)
            tg.erase([NOR + a for a in range(0, len(data), 4 * KB)])
            tg.t.sent = tg.t.answered = tg.t.most = 0     # (HELLO sends copies; count the stream alone)
            tg.write((NOR + o, data[o:o + 4 * KB]) for o in range(0, len(data), 4 * KB))
            assert tg.t.most == window, (name, tg.t.most, window)
            assert tg.link.retransmits == 0 and tg.crc([(NOR, len(data))]) == [crc32(data)]
        finally:
            tg.close()


def test_the_nor_never_waits_for_the_link_between_blocks():
    """Blocks of the NOR are erased back to back: while one erases, the next block's data and ERASE are
    already in the bootloader's buffers, so the whole NOR part takes its device time and little more
    (virtual clock, datasheet typical times)."""
    external = random.Random(9).randbytes(1024 * KB)
    m, tg = _board()
    try:
        res = planmod.execute(planmod.build(merge([Segment(NOR, external, "nor.bin")]), H735), tg)
        device = _serial_seconds(0, 1024)
        assert res.virtual_s < 1.05 * device, (res.virtual_s, device)
        assert m.read(NOR, len(external)) == external
    finally:
        tg.close()
