"""Byte transports under the protocol: a real serial port, the simulated board's UART, and a wrapper that
injects link faults for tests and benches.

Interface (duck-typed; link.Link uses only this):
    name                 what to call it in messages ("/dev/ttyACM0", "simulated BOARD")
    write(data)          queue bytes for the wire
    read(timeout) -> bytes   what arrived within `timeout` seconds of the transport's clock (b"" if none)
    now() -> float       the transport's clock in seconds (virtual for the simulator)
    byte_time() -> float seconds per byte on the wire at the current rate (8N1: 10 bits)
    set_baud(baud)       change the host side's rate
    max_baud             fastest rate this side can do
    virtual_seconds      simulator time so far, or None on real hardware
    close()
"""
from __future__ import annotations

import os
import random
import time

from .reset import ModemLines


class TransportError(OSError):
    """The port could not be opened or used; the message names the cause."""


class SerialTransport(ModemLines):
    """A real serial port: every kind of flow control explicitly off, exclusive access, and the port's
    previous settings restored on close (an ST-LINK VCP left at 8 Mbaud confuses the next terminal).
    Its modem lines (DTR, RTS) are what `--before` drives (stm32boot.reset)."""

    virtual_seconds = None

    def __init__(self, port: str, baud: int = 115200, max_baud: int = 8_000_000):
        import serial  # pyserial; imported here so the simulator path does not need it
        self.name, self.max_baud = port, max_baud
        self._saved = None
        if not isinstance(baud, int) or not 0 < baud <= max_baud:
            raise TransportError(f"cannot use {baud} baud on {port}: give a rate from 1200 to {max_baud}")
        try:
            import termios
        except ImportError:
            termios = None
        if termios is not None:
            try:
                fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
            except OSError as e:
                raise TransportError(_explain_open(port, e)) from None
            try:
                if not os.isatty(fd):
                    raise TransportError(f"cannot use {port}: it is not a serial port (not a terminal "
                                         f"device); give the board's port, e.g. /dev/ttyACM0")
                self._saved = termios.tcgetattr(fd)
            except termios.error as e:
                raise TransportError(f"cannot use {port}: it does not behave as a serial port "
                                     f"({e.args[-1]}); give the board's port, e.g. /dev/ttyACM0") from None
            finally:
                os.close(fd)
        try:
            self.ser = serial.Serial(port=port, baudrate=baud, bytesize=8, parity="N", stopbits=1,
                                     timeout=0, write_timeout=10, rtscts=False, dsrdtr=False,
                                     xonxoff=False, exclusive=True)
        except (serial.SerialException, OSError) as e:
            raise TransportError(_explain_open(port, e)) from None
        self.baud = baud
        self.ser.reset_input_buffer()

    def _gone(self, e: Exception) -> TransportError:
        return TransportError(f"{self.name} went away in the middle of the session ({e}): the board "
                              f"was unplugged or reset its USB bridge, or the simulator on it stopped; "
                              f"reconnect and run the command again")

    def write(self, data: bytes) -> None:
        import serial
        try:
            self.ser.write(data)
        except (serial.SerialException, OSError) as e:
            raise self._gone(e) from None

    def read(self, timeout: float) -> bytes:
        import serial
        try:
            return read_burst(self.ser, timeout)
        except (serial.SerialException, OSError) as e:
            raise self._gone(e) from None

    def now(self) -> float:
        return time.monotonic()

    def byte_time(self) -> float:
        return 10.0 / self.baud

    def set_baud(self, baud: int) -> None:
        self.ser.flush()
        self.ser.baudrate = baud
        self.baud = baud
        self.ser.reset_input_buffer()

    def close(self) -> None:
        try:
            if self._saved is not None:
                import termios
                termios.tcsetattr(self.ser.fd, termios.TCSANOW, self._saved)
        except Exception:
            pass
        self.ser.close()


def read_burst(ser, timeout: float) -> bytes:
    """Wait up to `timeout` s for a first byte on a pyserial port, then take whatever else has arrived
    without waiting (b"" if nothing came). Serial errors reach the caller."""
    ser.timeout = max(0.0, timeout)
    first = ser.read(1)
    if not first:
        return b""
    ser.timeout = 0
    return first + ser.read(ser.in_waiting or 0)


def damage(data: bytes, probs, rng: random.Random) -> tuple[bytes, int]:
    """`data` after per-byte faults drawn from `rng`: probs = (drop, dup, corrupt) probabilities; a
    corrupted byte has one bit flipped. Returns the damaged bytes and how many faults were applied."""
    drop, dup, corrupt = probs
    if not (drop or dup or corrupt):
        return data, 0
    out, faults = bytearray(), 0
    r = rng.random
    for b in data:
        x = r()
        if x < drop:
            faults += 1
            continue
        if x < drop + corrupt:
            faults += 1
            b ^= 1 << rng.randrange(8)
        out.append(b)
        if r() < dup:
            faults += 1
            out.append(b)
    return bytes(out), faults


def _explain_open(port: str, e: Exception) -> str:
    text = str(e)
    if "lock" in text.lower() or "busy" in text.lower() or getattr(e, "errno", None) == 16:
        why = "another program holds the port (close terminals, STM32CubeProgrammer, ModemManager)"
    elif isinstance(e, FileNotFoundError) or "No such file" in text:
        why = "no such port (is the board plugged in? try `ls /dev/ttyACM*`)"
    elif isinstance(e, PermissionError) or "ermission" in text:
        why = "permission denied (add yourself to the `dialout` group, then log in again)"
    else:
        why = text
    return f"cannot open {port}: {why}"


class FaultyTransport:
    """Wraps a transport and damages the traffic on purpose: per-byte probabilities of dropping,
    duplicating or corrupting (each direction), an optional stall (nothing delivered in either direction
    for `stall_s` once `stall_after` bytes went out), and an added one-way latency. Seeded: a failing
    run can be replayed."""

    def __init__(self, inner, seed: int = 1, drop: float = 0.0, dup: float = 0.0, corrupt: float = 0.0,
                 rx_drop: float = 0.0, rx_dup: float = 0.0, rx_corrupt: float = 0.0,
                 stall_after: int | None = None, stall_s: float = 0.0):
        self.inner, self.rng = inner, random.Random(seed)
        self.tx = (drop, dup, corrupt)
        self.rx = (rx_drop, rx_dup, rx_corrupt)
        self.stall_after, self.stall_s = stall_after, stall_s
        self.sent = 0
        self.stalled_until = None
        self.damaged = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _damage(self, data: bytes, probs) -> bytes:
        out, n = damage(data, probs, self.rng)
        self.damaged += n
        return out

    def write(self, data: bytes) -> None:
        if self.stall_after is not None and self.stalled_until is None and self.sent + len(data) > self.stall_after:
            self.stalled_until = self.inner.now() + self.stall_s
        self.sent += len(data)
        if self.stalled_until is not None and self.inner.now() < self.stalled_until:
            return  # the link is dead for a while: bytes vanish
        self.inner.write(self._damage(data, self.tx))

    def read(self, timeout: float) -> bytes:
        data = self.inner.read(timeout)
        if self.stalled_until is not None and self.inner.now() < self.stalled_until:
            return b""
        return self._damage(data, self.rx)
