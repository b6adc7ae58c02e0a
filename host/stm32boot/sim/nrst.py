"""The simulated board's NRST pin, reachable from the host while the board runs on a pseudo-terminal.

A Linux pty carries no modem lines (TIOCMGET/TIOCMBIS on either side fail with ENOTTY), so an adapter's
DTR-to-NRST wire cannot be modelled on it. Instead the board listens on a Unix socket whose path the host
derives from the pty alone (stm32boot.reset.reset_input_path: one socket per /dev/pts/N, whatever link the
user opened), so `stm32boot flash --port LINK --before reset` finds it. docs/reset-lines.md describes it.

Request: the line `nrst`; answer `ok` once the board has reset. The reset is the chip's system reset,
which NRST low gives (RM0468 and RM0385, RCC chapter, "System reset"): the core and peripherals restart
from their reset values, flash and the NOR keep their contents, SRAM is not cleared (the firmware's
start-up code initialises what it uses) and the bootloader runs from the vector table.
"""
from __future__ import annotations

import os
import socket
import threading
import time

from ..reset import control_dir, reset_input_path


class ResetInput:
    def __init__(self, machine, pty_path: str, channel=None, announce=None):
        self.m = machine
        self.path = reset_input_path(pty_path)
        if self.path is None:
            raise OSError(f"{pty_path} is not a pseudo-terminal: no reset input for it")
        os.makedirs(control_dir(), mode=0o700, exist_ok=True)
        if os.path.exists(self.path):
            os.unlink(self.path)     # left by a board that died; this pty is ours now
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.resets = 0
        self._closed = False
        # A byte on this pipe wakes the board's idle wait on its UART (channels._FdChannel.wakers), so
        # a reset lands at once even when the firmware sleeps waiting for input.
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self.channel = channel
        if channel is not None and hasattr(channel, "wakers"):
            channel.wakers.append(self._wake_r)
        self.announce = announce
        self.thread = threading.Thread(target=self._serve, daemon=True, name="nrst")
        self.thread.start()
        if announce:
            announce(f"sim: NRST on {self.path} (stm32boot ... --port {pty_path} --before reset)")

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(2.0)
                    req = conn.recv(64).strip()
                    if not req:
                        continue       # a host looking whether the board is there (reset.sim_reset_input)
                    if req == b"nrst":
                        self._reset()
                        conn.sendall(b"ok\n")
                    else:
                        conn.sendall(b"unknown request (expected: nrst)\n")
                except OSError:
                    continue

    def _reset(self) -> None:
        self.m.request_reset()
        os.write(self._wake_w, b"r")
        end = time.monotonic() + 1.0
        while getattr(self.m, "_reset_req", False) and time.monotonic() < end:
            time.sleep(0.002)    # the run loop takes the request at its next stop
        self.resets += 1
        if self.announce:
            self.announce(f"sim: NRST pulsed by the host (reset {self.resets})")

    def close(self) -> None:
        self._closed = True
        try:
            self.sock.close()
        finally:
            if os.path.exists(self.path):
                os.unlink(self.path)
        self.thread.join(1.0)
        if self.channel is not None and self._wake_r in getattr(self.channel, "wakers", ()):
            self.channel.wakers.remove(self._wake_r)
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
