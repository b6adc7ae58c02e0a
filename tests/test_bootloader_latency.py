"""How soon the bootloader on the simulated H735 answers a small request, on the board's clock: the host
waits for every answer, so a frame noticed late costs each round trip (HELLO, MEMORY, CRC, READ, and the
go-ahead of every windowed stream). The receive path takes bytes from the DMA ring in runs and idles between
them (core/rxidle.c); a request's last byte must be seen as soon as it lands, not at some later event."""
import os
import struct

import pytest

from stm32boot import boards, protocol as P
from stm32boot.sim.board import build as sim_build
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build/firmware/h735/bootloader.elf")
BOARD = boards.get("h735")
FLASH, NOR = BOARD.memory("flash").base, BOARD.memory("nor").base
PS = 1e-12


@pytest.fixture(autouse=True)
def _built():
    assert os.path.exists(BL), "run `doit firmware` first"   # `doit test` builds first


@pytest.mark.parametrize("fast", [False, True], ids=["115200", "8 Mbaud"])
def test_small_requests_are_answered_right_after_their_last_byte(fast):
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.load_elf(BL)
    m.reset()
    t = SimTransport(BOARD, machine=m)
    tg = Target(t)
    tg.hello()
    if fast:
        tg.negotiate_baud()
    seq = tg.link.seq
    requests = [(P.Cmd.MEMORY, struct.pack("<B", 1)), (P.Cmd.CRC, struct.pack("<II", NOR, 64)),
                (P.Cmd.READ, struct.pack("<II", FLASH, 16)), (P.Cmd.MEMORY, struct.pack("<B", 0))]
    late = []
    for i in range(24):
        cmd, payload = requests[i % len(requests)]
        frame = P.encode(cmd, seq + i, payload)
        sent, n0 = m.clock.now * PS, len(t.chan.tx_log)
        t.write(frame)
        got = P.Decoder().feed(t.read(1.0))
        assert [(f.cmd, f.seq, P.parse_reply(f).status) for f in got] == [(cmd, seq + i, P.Status.OK)]
        first_out = t.chan.tx_log[n0][0] * PS        # the answer's first byte
        # the request's own wire time, then the answer: well under a millisecond of work for these
        delay = first_out - sent - len(frame) * t.byte_time()
        if delay > 1e-3:
            late.append((cmd, round(delay * 1e3, 2)))
    assert not late, f"answers that came late (command, ms after the request's last byte): {late}"
