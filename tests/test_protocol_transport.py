"""The serial transport: flow control off, exclusive access, settings restored, clear errors, and a dead
port ends in the 'no response' message naming the likely causes (on a pseudo-terminal)."""
import os
import termios

import pytest

from stm32boot import protocol as P
from stm32boot.target import Target
from stm32boot.transport import SerialTransport, TransportError


@pytest.fixture
def pty():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, slave, path
    os.close(master)
    os.close(slave)


def test_missing_port_is_named():
    with pytest.raises(TransportError, match=r"cannot open /dev/ttyNOPE0: no such port"):
        SerialTransport("/dev/ttyNOPE0")


def test_flow_control_off_exclusive_and_settings_restored(pty):
    master, slave, path = pty
    before = termios.tcgetattr(slave)
    t = SerialTransport(path, 115200)
    s = t.ser
    assert (s.rtscts, s.dsrdtr, s.xonxoff, s.exclusive) == (False, False, False, True)
    assert termios.tcgetattr(slave) != before          # pyserial put the port in raw mode
    with pytest.raises(TransportError, match="another program holds the port"):
        SerialTransport(path, 115200)
    os.write(master, b"\x01\x02")
    assert t.read(0.5) == b"\x01\x02"
    t.close()
    assert termios.tcgetattr(slave) == before


def test_silent_port_says_no_response_with_the_likely_causes(pty):
    master, slave, path = pty
    t = SerialTransport(path, 115200)
    with pytest.raises(P.NoResponse, match=rf"no response from {path}: likely causes: wrong port, "
                                           r"board not in the bootloader.*another program holds the port"):
        Target(t).hello()
    t.close()
