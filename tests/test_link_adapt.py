"""A link that adapts (issue 15): the host against the bootloader's real C core (protocol_link.py) on a
virtual clock, behind links that are slow, far away, noisy, or not the bootloader at all."""
import collections
import random

import pytest

from stm32boot import protocol as P
from stm32boot.native import crc32
from stm32boot.target import Target
from stm32boot.transport import FaultyTransport

from protocol_link import CoreTransport

NOR = 0x9000_0000


class Delayed:
    """Wraps a CoreTransport: bytes reach the board `lat` s after they are written, and the board's
    answers reach the host `lat` s after it sent them; optionally the board needs `per_frame` s of
    extra time per answer (a slow, e.g. simulated, board). All on the core's virtual clock."""

    def __init__(self, inner, lat=0.0, per_frame=0.0):
        self.inner, self.lat, self.per_frame = inner, lat, per_frame
        self.name = "a far-away board"
        self.tx = collections.deque()      # (due, bytes) on their way to the board
        self.rx = collections.deque()      # (due, bytes) on their way to the host
        self.busy_until = 0.0
        self.board_frames = 0              # request frames the board received

    def __getattr__(self, k):
        return getattr(self.inner, k)

    def now(self):
        return self.inner.now()

    def write(self, data):
        self.tx.append((self.now() + self.lat, bytes(data)))

    def _pump(self):
        while self.tx and self.tx[0][0] <= self.now():
            data = self.tx.popleft()[1]
            self.board_frames += data.count(bytes([0xA5, 0x5B]))
            self.inner.write(data)
        out = self.inner.read(0)
        sync = bytes([0xA5, 0x5B])
        for i, piece in enumerate(out.split(sync) if out else []):   # one answer at a time
            if i:
                piece = sync + piece
            if not piece:
                continue
            done = max(self.now(), self.busy_until) + (self.per_frame if i else 0.0)
            self.busy_until = done
            self.rx.append((done + self.lat, piece))

    def read(self, timeout):
        end = self.now() + max(timeout, 0.0)
        while True:
            self._pump()
            if self.rx and self.rx[0][0] <= self.now():
                return self.rx.popleft()[1]
            nxt = min([end] + [q[0][0] for q in (self.tx, self.rx) if q])
            if self.now() >= end:
                return b""
            step = max(nxt - self.now(), 1e-4)
            self.inner.clock += step


def nor_roundtrip(tg, inner, n, seed=1):
    data = random.Random(seed).randbytes(n)
    tg.erase([NOR + k * 4096 for k in range((n + 4095) // 4096)])
    tg.write([(NOR, data)])
    assert inner.mem(NOR, n) == data
    assert tg.crc([(NOR, n)]) == [crc32(data)]
    return data


def test_hello_takes_the_answer_to_any_attempt_over_a_long_round_trip():
    """400 ms round trip: every HELLO attempt is answered long after the next one went out."""
    inner = CoreTransport()
    t = Delayed(inner, lat=0.2)
    tg = Target(t)
    info = tg.hello()
    assert info.board == "h735"
    assert 0.35 < tg.link.srtt < 0.6          # the round trip was measured
    nor_roundtrip(tg, inner, 40_000)


def test_a_slow_board_is_never_asked_to_redo_work_it_is_still_doing():
    """The pty board of issue 15: 0.6 s per 4 KB frame, more than the host's old fixed timeout."""
    inner = CoreTransport()
    t = Delayed(inner, per_frame=0.6)
    tg = Target(t)
    tg.hello(within=5)
    nor_roundtrip(tg, inner, 16 * 1024)
    assert tg.link.retransmits == 0
    assert tg.link.slow > 2                    # it learned the board is slower than its model


def test_frames_shrink_on_a_noisy_link_and_grow_back_when_it_clears():
    inner = CoreTransport()
    t = FaultyTransport(inner, seed=5, corrupt=2e-3)   # a 4 KB frame survives with probability ~3e-4
    tg = Target(t)
    tg.hello(within=5)
    nor_roundtrip(tg, inner, 64 * 1024)
    assert tg.link.data_size < P.MAX_DATA and tg.link.shrinks > 0
    t.tx = (0.0, 0.0, 0.0)
    data = random.Random(9).randbytes(256 * 1024)
    tg.erase([NOR + 0x100000 + k * 4096 for k in range(64)])
    tg.write([(NOR + 0x100000, data)])
    assert inner.mem(NOR + 0x100000, len(data)) == data
    assert tg.link.data_size == P.MAX_DATA


@pytest.mark.parametrize("seed", range(4))
def test_every_kind_of_damage_at_1e_3_per_byte_still_verifies(seed):
    inner = CoreTransport()
    t = FaultyTransport(inner, seed=seed, drop=1e-3, dup=1e-3, corrupt=1e-3,
                        rx_drop=1e-3, rx_dup=1e-3, rx_corrupt=1e-3)
    tg = Target(t)
    tg.hello(within=5)
    nor_roundtrip(tg, inner, 96 * 1024, seed)
    assert t.damaged > 50


def test_a_link_too_noisy_for_the_smallest_frame_ends_naming_the_noise():
    inner = CoreTransport()
    t = FaultyTransport(inner, seed=3, corrupt=0.03)
    tg = Target(t)
    with pytest.raises(P.ProtocolError) as e:
        tg.hello(within=5)
        nor_roundtrip(tg, inner, 64 * 1024)
    msg = str(e.value)
    assert "no response" not in msg
    assert any(w in msg for w in ("noise", "damaged", "corrupted")), msg


class Talker:
    """Not the bootloader: an application printing, or a board at another baud rate."""

    def __init__(self, chunk):
        self.chunk, self.clock, self.name = chunk, 0.0, "/dev/ttyTEST"

    def now(self):
        return self.clock

    def byte_time(self):
        return 10 / 115200

    def write(self, data):
        pass

    def read(self, timeout):
        self.clock += min(timeout, 0.05)
        return self.chunk

    def close(self):
        pass


def test_silence_is_no_response_anything_else_is_named():
    class Silent(Talker):
        def read(self, timeout):
            self.clock += timeout
            return b""
    with pytest.raises(P.NoResponse, match="no response from /dev/ttyTEST: likely causes: wrong port"):
        Target(Silent(b"")).hello()
    with pytest.raises(P.ProtocolError, match="an application is running.*tick 42"):
        Target(Talker(b"tick 42\r\n")).hello()
    with pytest.raises(P.ProtocolError, match="not the stm32boot protocol.*baud rate") as e:
        Target(Talker(bytes([0xF0, 0x0F, 0x80, 0xFE, 0x00]))).hello()
    assert "no response" not in str(e.value)
