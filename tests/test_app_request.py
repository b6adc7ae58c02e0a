"""Connecting to a board that runs its application (issue 17): the demo links firmware/app/blreq.c, so
the host's HELLO brings the simulated board back into our bootloader without a reset button; the C
matcher accepts exactly a host HELLO. The board is the simulated H735 with its state on disk."""
import os
import subprocess
import sys

import pytest

from stm32boot import boards
from stm32boot import protocol as P
from stm32boot._protocol import lib
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = os.path.join(ROOT, "build", "firmware", "h735", "demo.elf")
H735 = boards.get("h735")


def cli(*args, state):
    r = subprocess.run([sys.executable, "-m", "stm32boot", *args, "--state", str(state)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600)
    return r.returncode, r.stdout, r.stderr


@pytest.fixture(scope="module")
def demo_board(tmp_path_factory):
    assert os.path.exists(DEMO), "build the firmware first: doit firmware"
    state = tmp_path_factory.mktemp("board")
    rc, out, err = cli("flash", DEMO, state=state)
    assert rc == 0, err
    return state


def heard(t, secs):
    """Everything the board sends for `secs` of its clock."""
    out, end = b"", t.now() + secs
    while t.now() < end:
        out += t.read(end - t.now())
    return out


def running_app(state):
    """The board powered up and left alone for a second: the bootloader's window passed, the demo runs."""
    t = SimTransport(H735, state_dir=state)
    heard = b""
    while t.virtual_seconds < 1.0:
        heard += t.read(1.0 - t.virtual_seconds)
    assert b"stm32boot demo" in heard
    return t


def test_hello_to_the_running_demo_brings_the_board_back_into_the_bootloader(demo_board):
    t = running_app(demo_board)
    try:
        tg = Target(t)
        info = tg.hello()                       # the first HELLO goes to the demo, a later one is answered
        assert info.board == "h735" and info.protocol_version == lib.PROTO_VERSION
        assert [m.name for m in info.memories] == ["flash", "nor"]
        assert t.virtual_seconds < 1.5          # no button, no long wait
    finally:
        t.close()


def test_flash_connects_to_a_board_running_its_application(demo_board):
    """`stm32boot flash` on a board whose application runs: nothing rewritten, the demo runs again."""
    rc, out, err = cli("flash", DEMO, state=demo_board)
    assert rc == 0 and "nothing to write" in out and "stm32boot demo" in out, out + err


def test_only_a_well_formed_host_hello_triggers_the_request(demo_board):
    """Other frames, our bootloader's own replies, a damaged HELLO and noise leave the demo running."""
    t = running_app(demo_board)
    try:
        hello = P.encode(lib.CMD_HELLO, 7, b"")
        damaged = bytearray(hello)
        damaged[-1] ^= 0x01
        reply = bytearray(P.encode(lib.CMD_HELLO, 7, b""))
        reply[3] |= lib.PROTO_FLAG_REPLY
        crc_req = P.encode(lib.CMD_CRC, 1, b"\0" * 8)   # our bootloader would answer this at once
        for junk in (bytes(damaged), bytes(reply), b"\xa5\x5b\xa5" * 5, crc_req):
            t.write(junk)
            assert heard(t, 0.2) == b"", junk   # still the demo: it answers nothing
        t.write(hello)                        # the demo resets into the bootloader, which stays
        assert heard(t, 0.1) == b""
        t.write(crc_req)
        assert P.Decoder().feed(heard(t, 0.2)), "the bootloader did not answer after the request"
        info = Target(t).hello(within=0.3)
        assert info.board == "h735"
    finally:
        t.close()


class Line:
    """A serial line on a virtual clock whose other end is not our bootloader: it sends `chatter`
    (repeated) whatever it receives."""
    name = "/dev/ttyFAKE0"

    def __init__(self, chatter: bytes = b""):
        self.clock, self.chatter = 0.0, chatter

    def now(self):
        return self.clock

    def byte_time(self):
        return 10 / 115200

    def write(self, data):
        self.clock += len(data) * self.byte_time()

    def read(self, timeout):
        self.clock += max(timeout, 0.0)
        return self.chatter[:64]

    def close(self):
        pass


@pytest.mark.parametrize("chatter, words", [
    (b"", "no response from /dev/ttyFAKE0"),
    (b"hello from my app, tick 42\r\n", "an application is running (it said 'hello from my app"),
    (bytes(range(0x80, 0xC0)), "not the stm32boot protocol"),
])
def test_a_board_that_does_not_answer_is_described_by_what_was_heard(chatter, words):
    notes = []
    with pytest.raises(P.NoResponse) as e:
        Target(Line(chatter)).hello(within=3.0, notice=notes.append)
    msg = str(e.value)
    assert words in msg and "\n" not in msg
    assert len(notes) == 1 and "press RESET on the board" in notes[0] and "3 s" in notes[0]


def test_a_shorter_wait_gives_up_sooner():
    """What `--wait` sets: how long HELLO is repeated (virtual clock of the fake line)."""
    line = Line()
    with pytest.raises(P.NoResponse):
        Target(line).hello(within=0.3)
    assert 0.3 <= line.clock < 0.5


def test_baud_is_honoured_exactly_or_refused_and_the_target_is_named(demo_board):
    rc, out, err = cli("info", "--baud", "921600", state=demo_board)
    assert rc == 0 and "921600 baud" in out, err
    assert f"target: h735 (STM32H735G-DK), bootloader" in err and f"state {demo_board}" in err
    rc, out, err = cli("info", "--baud", "16000000", state=demo_board)
    assert rc == 2 and "cannot run at exactly 16000000 baud" in err and "8,000,000, 2,000,000, 921,600" in err
    assert "Traceback" not in err


def test_after_chooses_what_the_board_does_once_flashed(demo_board):
    rc, out, err = cli("flash", DEMO, "--after", "bootloader", state=demo_board)
    assert rc == 0 and "reset into its bootloader" in out and "application says" not in out, out + err
    rc, out, err = cli("flash", DEMO, "--after", "run", state=demo_board)
    assert rc == 0 and "stm32boot demo" in out, out + err
    rc, out, err = cli("flash", DEMO, "--after", "run", "--no-reset", state=demo_board)
    assert rc == 2 and "contradict" in err and "Traceback" not in err
