"""The simulated board as a transport (transport.py interface): the board's machine runs in this process,
its console USART wired to an in-process channel, driven from the caller's thread: a read() runs the machine
until the firmware has sent something (or the timeout passes on the VIRTUAL clock), so the simulator
runs as fast as it can while the host talks, and every duration is the board's, not the host's.

`latency` adds a one-way delay to both directions (a USB bridge's turnaround: 1 ms for CDC-ACM),
for benches of the windowed protocol."""
from __future__ import annotations

import os

from .sim.clock import PS_PER_S

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_bootloader(board_name: str) -> str:
    """The bootloader image a blank simulated board is factory-programmed with."""
    return os.environ.get("STM32BOOT_SIM_BOOTLOADER") or \
        os.path.join(ROOT, "build", "firmware", board_name, "bootloader.elf")


def provision(m, board) -> bool:
    """A board fresh from the factory has our bootloader in sector 0 (a real one gets it once through the
    ROM bootloader or a debug probe); the simulated one gets it here when its flash is blank.
    True when it was installed."""
    flash = board.memories[0]
    if m.read(flash.base, 4) != bytes([flash.erased]) * 4:
        return False
    elf = default_bootloader(board.name)
    if not os.path.exists(elf):
        raise FileNotFoundError(f"the simulated {board.name} board is blank and its bootloader {elf} does not "
                                f"exist: build it with `doit firmware` (or set STM32BOOT_SIM_BOOTLOADER=FILE); "
                                f"`stm32boot sim {board.name} --elf FILE` runs a program without one")
    m.load_elf(elf)
    m.reset()
    return True


class Interrupt:
    """Ctrl-C while the machine runs: stop it at the next hook and say so, instead of letting
    KeyboardInterrupt rise inside a unicorn callback (ctypes prints and ignores it there, and the
    simulator keeps going). `with Interrupt(m) as it: m.run(...)`; then `it.hit`."""

    def __init__(self, m):
        self.m, self.hit, self._old = m, False, None

    def _on_sigint(self, _sig, _frame):
        self.hit = True
        try:
            self.m.run_state.interrupt()   # the run ends at its next check, as on a timeout
        except Exception:
            pass

    def __enter__(self):
        import signal
        import threading
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc):
        import signal
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


class SimTransport:
    max_baud = 12_500_000

    def __init__(self, board, state_dir=None, latency: float = 0.0, blank: bool = False, machine=None):
        from .sim import channels, state
        from .sim.board import build
        self.board = board
        self.chan = channels.InProcessChannel()
        if machine is None:
            if state_dir is None:
                state_dir = state.default_dir(board.name)
            machine = build(board, state_dir=str(state_dir), blank=blank, uart=self.chan, warn=lambda *a: None)
            if getattr(machine, "boot0", False):
                machine.close()
                raise OSError(f"the simulated {board.title}'s BOOT0 is high: it runs ST's ROM bootloader, "
                              f"not ours; use --via rom, or `stm32boot sim {board.name} --boot0 low --uart none`")
            try:
                provision(machine, board)
            except BaseException:
                machine.close()
                raise
        else:
            machine.console.attach(self.chan)
        self.m = machine
        self.name = f"the simulated {board.title}" + (f" (state {state_dir})" if state_dir else "")
        self.lat_ps = int(latency * PS_PER_S)
        self.baud = board.console.default_baud
        self._t0 = self.m.clock.now
        self._taken = 0        # bytes of chan.tx_log already handed to the host
        self.last_run = None

    # -- transport interface --
    @property
    def virtual_seconds(self) -> float:
        return (self.m.clock.now - self._t0) / PS_PER_S

    def now(self) -> float:
        return self.m.clock.now / PS_PER_S

    def byte_time(self) -> float:
        return 10.0 / self.baud

    def set_baud(self, baud: int) -> None:
        self.baud = baud   # the model's wire runs at the rate the firmware programs

    def write(self, data: bytes) -> None:
        data = bytes(data)
        if self.lat_ps:   # the bytes reach the board's wire `latency` later: an event on its clock
            self.m.clock.after(self.lat_ps, lambda: self.chan.send(data), "host link latency")
        else:
            self.chan.send(data)

    def _ready(self) -> int:
        """Bytes the host may see now (sent by the firmware at least `latency` ago)."""
        log, n, now = self.chan.tx_log, self._taken, self.m.clock.now
        while n < len(log) and log[n][0] + self.lat_ps <= now:
            n += 1
        return n - self._taken

    def read(self, timeout: float) -> bytes:
        end = self.m.clock.now + max(1, int(max(timeout, 0.0) * PS_PER_S))
        log = self.chan.tx_log
        while not self._ready():
            if self.m.clock.now >= end:
                return b""
            if len(log) > self._taken:          # sent, still on the wire or in flight on the link
                # up to the 256th byte already sent, not byte by byte: a reply is of use once complete
                k = min(len(log), self._taken + 256) - 1
                self._run(min(log[k][0] + self.lat_ps, end), stop_on_tx=False)
            else:
                self._run(end, stop_on_tx=True)
        n = self._ready()
        out = bytes(b for _, b in log[self._taken:self._taken + n])
        self._taken += n
        if self._taken > 1 << 16:               # keep the channel's log short
            del log[:self._taken]
            self.chan.received.clear()
            self._taken = 0
        return out

    def _run(self, until_ps: int, stop_on_tx: bool) -> None:
        left = (until_ps - self.m.clock.now) / PS_PER_S
        if left <= 0:
            return
        n0 = len(self.chan.tx_log)
        # Stop at the first byte out: the firmware may go idle right after it, and an idle firmware
        # lets the simulator jump to the end of the run, past the moment the host would have answered.
        # While the console is still sending (a reply on the line), wait for a few hundred bytes rather
        # than one: a frame is of use only once complete, and each stop costs a run of the machine.
        usart = getattr(self.m, "console", None)
        busy = (lambda: bool(usart.txq)) if usart is not None and hasattr(usart, "txq") else (lambda: False)
        pred = (lambda: len(self.chan.tx_log) > n0 and (len(self.chan.tx_log) - n0 >= 256 or not busy())) \
            if stop_on_tx else None
        with Interrupt(self.m) as it:
            r = self.m.run(until=pred, max_virtual_s=left, timeout_s=getattr(self, "wall_limit", None))
        self.last_run = r
        if it.hit:
            raise KeyboardInterrupt
        if r.reason == "fault":
            raise SimFault(f"the simulated board faulted: {r.detail}\n{r.fault_report}")
        if r.reason == "hang" and self.m.clock.now < until_ps:
            self.m.clock.advance_to(until_ps)   # idle with nothing scheduled: time just passes

    def close(self) -> None:
        self.m.close()


class SimFault(OSError):
    """The firmware crashed in the simulator; the message carries the decoded fault report."""
