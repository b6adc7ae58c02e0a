"""Byte channels: how a simulated UART's wire reaches the outside (docs/emulator-notes.md, UART bridging).

Every channel has the same small face, used by the USART model (guest side):
    read_available() -> list[(byte, not_before_ps | None)]   host -> guest bytes waiting (non-blocking)
    read_runs() -> list[(bytes, not_before_ps | None)]      the same, bytes with one not_before together
    write(data, t_ps)                                       guest -> host, t_ps = virtual time the frame ended
    wait_readable(timeout_s) -> bool                        block until host bytes arrive (interactive only)
    fileno() -> int | None, interactive: bool, close()
Interactive channels (pty, tcp, stdio) are waited on by the machine when the firmware idles with nothing
scheduled (machine.idle_sources); the in-process channel never blocks, so an idle firmware with no input
is reported as a hang (deterministic tests).

The wire rate is the USART model's business: a host may write a megabyte at once; the model takes the
bytes one frame time apart on the virtual clock.
"""
from __future__ import annotations

import collections
import errno
import os
import select
import socket
import sys
import termios
import threading
import time
import tty


class ByteChannel:
    interactive = False
    listener = None   # set by the USART model: called when host bytes are ready (same thread only)
    pushes = False    # True: every byte is handed to the listener as it is sent (nothing to poll for)

    def read_available(self):
        return []

    def read_runs(self):
        """read_available() as runs of bytes sharing one not_before (a DMA-served USART takes them at once)."""
        runs: list = []
        for b, nb in self.read_available():
            if runs and runs[-1][1] == nb:
                runs[-1][0].append(b)
            else:
                runs.append((bytearray([b]), nb))
        return runs

    def write(self, data: bytes, t_ps: int) -> None:
        pass

    def wait_readable(self, timeout_s: float) -> bool:
        return False

    def fileno(self):
        return None

    def close(self) -> None:
        pass


class InProcessChannel(ByteChannel):
    """The test's end of the wire. `send(data, at_ps=None)`: bytes for the guest (not on the wire before
    at_ps); `received` / `tx_log` [(t_ps, byte)]: what the guest sent, with the virtual time each frame ended."""
    pushes = True

    def __init__(self):
        self._in = collections.deque()    # (bytes, at_ps): as sent, not split per byte
        self.received = bytearray()
        self.tx_log: list[tuple[int, int]] = []

    def send(self, data: bytes, at_ps: int | None = None) -> None:
        if data:
            self._in.append((bytes(data), at_ps))
        if self.listener is not None:
            self.listener()   # onto the wire now, even if the firmware is not looking at the UART

    def read_available(self):
        if not self._in:      # asked on every poll of a DMA-served UART
            return []
        return [(b, at) for data, at in self.read_runs() for b in data]

    def read_runs(self):
        if not self._in:
            return []
        out = list(self._in)
        self._in.clear()
        return out

    def write(self, data: bytes, t_ps: int) -> None:
        self.received += data
        self.tx_log.extend((t_ps, b) for b in data)

    def take(self) -> bytes:
        out = bytes(self.received)
        self.received.clear()
        return out


class _FdChannel(ByteChannel):
    """Shared non-blocking fd plumbing; bytes the host is too slow to take are buffered, not lost.

    Guest output is written in batches, not one write(2) per UART frame: a write to a pty wakes its
    reader, and at ~0.7 ms per wake-up on a loaded host that was most of the simulator's time per
    reply. A batch leaves when it is FLUSH_AGE old, FLUSH_BYTES long, or the board goes idle
    (wait_readable), so the host never waits for bytes the board has finished sending."""
    interactive = True
    FLUSH_AGE = 0.002
    FLUSH_BYTES = 4096

    def __init__(self):
        self._out = bytearray()
        self._since = 0.0
        self._lock = threading.Lock()
        self._kick = threading.Event()
        self._closed = False
        self._flusher = None
        self.wakers: list[int] = []   # fds that also end wait_readable (the board's reset input, sim/nrst.py)

    def _late_flush(self):
        """Sends a batch nobody else sent within FLUSH_AGE (the guest stopped, or computes without
        touching the UART): output never waits for the guest's next move."""
        while not self._closed:
            self._kick.wait()
            self._kick.clear()
            time.sleep(self.FLUSH_AGE)
            if self._out and not self._closed:
                try:
                    self._flush()
                except (OSError, ValueError):   # closed under us: nothing left to deliver
                    return

    def _rfd(self):
        raise NotImplementedError

    def _wfd(self):
        return self._rfd()

    def fileno(self):
        return self._rfd()

    def read_available(self):
        if self._out and time.monotonic() - self._since >= self.FLUSH_AGE:
            self._flush()
        fd = self._rfd()
        if fd is None:
            return []
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return []
        except OSError as e:
            if e.errno in (errno.EIO, errno.EAGAIN):   # pty with no peer yet
                return []
            raise
        if not data:
            self._peer_gone()
            return []
        self._flush()
        return [(b, None) for b in data]

    def _peer_gone(self):
        pass

    def write(self, data: bytes, t_ps: int) -> None:
        with self._lock:
            if not self._out:
                self._since = time.monotonic()
                if self.FLUSH_AGE:
                    if self._flusher is None:
                        self._flusher = threading.Thread(target=self._late_flush, daemon=True,
                                                         name="uart-flush")
                        self._flusher.start()
                    self._kick.set()
            self._out += data
        if len(self._out) >= self.FLUSH_BYTES or time.monotonic() - self._since >= self.FLUSH_AGE:
            self._flush()

    def flush(self) -> None:
        """Send what the guest wrote so far now (the machine does it when the board idles)."""
        self._flush()

    def _flush(self):
        with self._lock:
            self._flush_locked()

    def _flush_locked(self):
        fd = self._wfd()
        while self._out and fd is not None:
            try:
                n = os.write(fd, self._out)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.EIO, errno.EPIPE, errno.ECONNRESET):
                    self._out.clear()   # nobody listening: the bytes leave the wire unheard
                    self._peer_gone()
                    return
                raise
            del self._out[:n]

    def wait_readable(self, timeout_s: float) -> bool:
        self._flush()                  # the board is idle: what it sent goes out now
        fd = self._rfd()
        if fd is None:
            return False
        r, _, _ = select.select([fd, *self.wakers], [], [], timeout_s)
        for w in self.wakers:
            if w in r:
                try:
                    os.read(w, 64)
                except BlockingIOError:
                    pass
        return bool(r)


class PtyChannel(_FdChannel):
    """A pseudo-terminal in raw mode. We keep the slave open ourselves so the master never reads EIO
    between two host tool runs (docs/emulator-notes.md). `path` is what pyserial / stm32flash -m 8n1 open."""

    def __init__(self, link: str | None = None, announce=print):
        super().__init__()
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        attrs = termios.tcgetattr(self.slave)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.link = None
        if link:
            if os.path.islink(link):
                os.unlink(link)
            os.symlink(self.path, link)
            self.link = link
        if announce:
            announce(f"sim: UART on pseudo-terminal {self.link or self.path}" +
                     (f" -> {self.path}" if self.link else ""))

    def _rfd(self):
        return self.master

    def close(self):
        self._flush()
        self._closed = True
        self._kick.set()
        if self.link and os.path.islink(self.link):
            os.unlink(self.link)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class TcpChannel(_FdChannel):
    """A TCP server on 127.0.0.1:port for pyserial's socket:// (one client at a time). Guest output with
    no client connected is dropped, as on an unconnected wire."""

    def __init__(self, port: int, host: str = "127.0.0.1", announce=print):
        super().__init__()
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.server.bind((host, port))
        except OSError as e:
            self.server.close()
            raise OSError(f"cannot listen on {host}:{port} for the UART: {e.strerror}") from e
        self.server.listen(1)
        self.server.setblocking(False)
        self.port = self.server.getsockname()[1]
        self.client = None
        if announce:
            announce(f"sim: UART on socket://{host}:{self.port}")

    def _accept(self):
        if self.client is None:
            try:
                self.client, _ = self.server.accept()
                self.client.setblocking(False)
            except BlockingIOError:
                pass
        return self.client

    def _rfd(self):
        c = self._accept()
        return c.fileno() if c is not None else None

    def _peer_gone(self):
        if self.client is not None:
            self.client.close()
            self.client = None

    def write(self, data, t_ps):
        if self._accept() is None:
            return
        super().write(data, t_ps)

    def wait_readable(self, timeout_s):
        self._flush()
        fd = self._rfd()
        r, _, _ = select.select([fd if fd is not None else self.server], [], [], timeout_s)
        return bool(r) and fd is not None

    def close(self):
        self._closed = True
        self._kick.set()
        self._peer_gone()
        self.server.close()


class StdioChannel(_FdChannel):
    """The terminal the simulator runs in (like QEMU's -serial stdio); raw mode when it is a tty."""

    FLUSH_AGE = 0.0    # a console: every character shows at once

    def __init__(self, stdin=None, stdout=None):
        super().__init__()
        self.inp = (stdin or sys.stdin).fileno()
        self.outp = (stdout or sys.stdout).fileno()
        self._saved = None
        if os.isatty(self.inp):
            self._saved = termios.tcgetattr(self.inp)
            tty.setcbreak(self.inp)
        os.set_blocking(self.inp, False)

    def _rfd(self):
        return self.inp

    def _wfd(self):
        return self.outp

    def close(self):
        self._flush()
        if self._saved is not None:
            termios.tcsetattr(self.inp, termios.TCSADRAIN, self._saved)
        os.set_blocking(self.inp, True)


def open_channel(spec: str, announce=print) -> ByteChannel:
    """'stdio' | 'pty' | 'pty:/path/to/link' | 'tcp:PORT' | 'none' (CLI --uart)."""
    if spec == "stdio":
        return StdioChannel()
    if spec == "pty" or spec.startswith("pty:"):
        return PtyChannel(spec[4:] or None, announce=announce)
    if spec.startswith("tcp:"):
        try:
            port = int(spec[4:])
        except ValueError:
            raise ValueError(f"--uart {spec}: expected tcp:PORT with a number, e.g. tcp:4444") from None
        return TcpChannel(port, announce=announce)
    if spec in ("none", "null"):
        return ByteChannel()
    raise ValueError(f"unknown UART channel {spec!r}: use stdio, pty, pty:LINK, tcp:PORT or none")
