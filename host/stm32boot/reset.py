"""Resetting a board from the host before a session (`--before`), for our bootloader and, through the same
line steps, for ST's ROM bootloader (rom/before.py).

A serial adapter's modem lines can be wired to the chip's pins: DTR or RTS to NRST (and, for the ROM
bootloader, the other one to BOOT0). Which line the board's own serial port wires where is board data
(`reset_lines` in boards/<board>.py); the ST-LINK virtual COM port of the boards we describe wires none.
A simulated board on a pseudo-terminal has its reset input beside the pty (sim/nrst.py): a pty carries
no modem lines.

Line steps: comma-separated `rts` / `-rts`, `dtr` / `-dtr` (assert / release), `break` (250 ms),
`wait:MS`. An asserted line is a low pin on the usual adapters (FT232, CP2102, CH340 drive DTR#/RTS#).

`--before` for our bootloader:
    default    HELLO; an application that links firmware/app/blreq.c resets into the bootloader on it
               (otherwise: "press RESET on the board"); a line the board wires to NRST is released
    reset      pulse NRST (the board's wired line, or the simulated board's reset input), then HELLO
               within the 200 ms the bootloader listens after reset
    no-reset   touch no modem line (opening the port may still move them: the OS does)
    dtr-reset / rts-reset   an adapter whose DTR / RTS drives NRST; or line steps as above
"""
from __future__ import annotations

import os
import time

# NRST held low 100 ms: far above the minimum reset pulse the datasheets give (microseconds), and above
# a USB adapter's latency for a line change.
NRST_PULSE = "{line},wait:100,-{line}"

OURS = ("default", "reset", "no-reset", "dtr-reset", "rts-reset")


class LineError(ValueError):
    """A --before value that cannot be carried out; the message names the cause and the fix."""


def parse_steps(spec: str, presets: dict[str, str] | None = None) -> list[tuple[str, object]]:
    """`spec` (a preset's name or line steps) as [(what, arg)]."""
    presets = presets or {}
    spec = presets.get(spec, spec)
    steps: list[tuple[str, object]] = []
    for tok in filter(None, (s.strip() for s in spec.split(","))):
        if tok in ("rts", "-rts", "dtr", "-dtr"):
            steps.append((tok.lstrip("-"), not tok.startswith("-")))
        elif tok == "break":
            steps.append(("break", 0.25))
        elif tok.startswith("wait:") and tok[5:].isdigit():
            steps.append(("wait", int(tok[5:]) / 1000))
        else:
            names = f", or one of: {', '.join(presets)}" if presets else ""
            raise LineError(f"--before: cannot read step {tok!r}; use rts, -rts, dtr, -dtr, break, "
                            f"wait:MS separated by commas{names}")
    return steps


def run_steps(port, steps) -> None:
    """Drive `port`'s lines (set_dtr, set_rts, send_break, advance: see ModemLines)."""
    for what, arg in steps:
        if what == "rts":
            port.set_rts(arg)
        elif what == "dtr":
            port.set_dtr(arg)
        elif what == "break":
            port.send_break(arg)
        else:
            port.advance(arg)


class ModemLines:
    """The adapter lines of a pyserial port in `self.ser`, for transports that offer --before."""

    def _line(self, name: str, on: bool) -> None:
        try:
            setattr(self.ser, name, on)
        except OSError as e:   # a pseudo-terminal has no modem lines (ENOTTY)
            raise LineError(f"{self.name} has no {name.upper()} line ({e.strerror or e}): it is not a "
                            f"serial adapter; a simulated board's reset is `--before reset`") from None

    def set_dtr(self, on: bool) -> None:
        self._line("dtr", on)

    def set_rts(self, on: bool) -> None:
        self._line("rts", on)

    def send_break(self, seconds: float = 0.25) -> None:
        self.ser.send_break(seconds)

    def advance(self, seconds: float) -> None:
        time.sleep(seconds)


def check_ours(before: str | None) -> str:
    """Validate a --before value for our bootloader (before the port is opened)."""
    before = before or "default"
    if before not in OURS:
        parse_steps(before, {k: "" for k in OURS})
    return before


def before_connect(transport, board, before: str | None) -> str:
    """Carry out `--before` on an open transport, just before the first HELLO. Returns what was done,
    for messages: "" (nothing), or a phrase like "NRST pulsed by DTR"."""
    before = check_ours(before)
    if before == "default" and board.reset_lines.nrst and hasattr(transport, "set_dtr"):
        # Opening a serial port asserts DTR and RTS (Linux does, and pyserial after it): a line wired to
        # NRST would hold the chip in reset for the whole session. Release it.
        run_steps(transport, parse_steps(f"-{board.reset_lines.nrst}"))
        return ""
    if before in ("default", "no-reset"):
        return ""
    if before == "reset":
        m = getattr(transport, "m", None)
        if m is not None and hasattr(m, "reset"):   # the simulated board in this process
            m.reset()                               # NRST: the core restarts from the vector table
            return "the simulated board reset (NRST)"
        sock = sim_reset_input(transport.name)
        if sock is not None:
            pulse_sim_nrst(sock, transport.name)
            return "the simulated board reset (NRST)"
        line = board.reset_lines.nrst
        if line is None:
            raise LineError(no_reset_line(board, transport.name))
        steps = parse_steps(NRST_PULSE.format(line=line))
        what = f"NRST pulsed by {line.upper()}"
    elif before in ("dtr-reset", "rts-reset"):
        line = before[:3]
        steps = parse_steps(NRST_PULSE.format(line=line))
        what = f"NRST pulsed by {line.upper()}"
    else:
        steps, what = parse_steps(before), f"lines driven: {before}"
    if not hasattr(transport, "set_dtr"):
        raise LineError(f"--before {before}: {transport.name} has no modem lines to drive")
    run_steps(transport, steps)
    return what


def hint(transport, board, before: str | None) -> str:
    """For "press RESET on the board": how `--before` could reset it from here ("" when it cannot, or
    already tried)."""
    if (before or "default") != "default":
        return ""
    if sim_reset_input(getattr(transport, "name", "")) is not None:
        return "; or pass --before reset: this simulated board has a reset input"
    line = getattr(getattr(board, "reset_lines", None), "nrst", None)
    return f"; or pass --before reset ({line.upper()} drives NRST on this board)" if line else ""


def no_reset_line(board, port: str) -> str:
    rl = board.reset_lines
    return (f"--before reset: {rl.port or 'the serial port'} of the {board.title} has no DTR/RTS wired to "
            f"NRST, so {port} cannot reset it: press RESET on the board (--before default, --wait SECONDS), "
            f"or wire a 3.3 V USB-UART adapter's DTR to NRST{f' ({rl.nrst_pin})' if rl.nrst_pin else ''} "
            f"and pass --before dtr-reset (docs/reset-lines.md)")


# ---- a simulated board's reset input (sim/nrst.py serves it) ------------------------------------------
def control_dir() -> str:
    """Where simulated boards on ptys publish their reset inputs: one per pty, named after it."""
    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    return os.path.join(base, f"stm32boot-sim-{os.getuid()}")


def reset_input_path(pty_path: str) -> str | None:
    """The reset input's socket for the pty at `pty_path` (a /dev/pts/N or a link to one), or None
    when `pty_path` is not a pty of this system."""
    real = os.path.realpath(pty_path)
    if not real.startswith("/dev/pts/"):
        return None
    return os.path.join(control_dir(), f"pts-{os.path.basename(real)}.nrst")


def sim_reset_input(port: str) -> str | None:
    """The socket of a running simulated board served on `port`, or None (a socket left by a simulator
    that was killed answers nothing: it is removed, and the pty is taken for what it is now)."""
    import socket
    path = reset_input_path(port)
    if path is None or not os.path.exists(path):
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return path
    except (ConnectionRefusedError, FileNotFoundError):
        try:
            os.unlink(path)
        except OSError:
            pass
        return None
    except OSError:
        return None
    finally:
        s.close()


def pulse_sim_nrst(sock_path: str, port: str, timeout: float = 2.0) -> None:
    """Ask the simulated board behind `port` to reset as from NRST; returns once it has."""
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        s.sendall(b"nrst\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = s.recv(64)
            if not chunk:
                break
            answer += chunk
    except OSError as e:
        raise LineError(f"--before reset: the simulated board on {port} did not take the reset "
                        f"({e.strerror or e}); is its `stm32boot sim` still running?") from None
    finally:
        s.close()
    if answer.strip() != b"ok":
        raise LineError(f"--before reset: the simulated board on {port} answered {answer!r} to the reset")
