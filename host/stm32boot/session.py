"""What every board command shares: the --board/--port/--state/--baud options, opening the target
(stm32boot.target.open_target), checking it is the board the user named, and turning every
library error into one clear CliError line. Lives outside commands/ because cli.py registers every
module found there."""
from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from . import boards
from ._protocol import lib
from .boards import Memory
from .cli import CliError
from .image import ImageError
from .plan import PlanError, VerifyError


def parse_int(text: str) -> int:
    """Addresses and lengths: 0x90000000, 4096, 64K, 1M."""
    t = text.strip().lower().replace("_", "")
    mult = 1
    if t.endswith(("k", "m")):
        mult = 1024 if t[-1] == "k" else 1024 * 1024
        t = t[:-1]
    try:
        return int(t, 0) * mult
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r} (write 0x08020000, 4096, 64K)")


class _PortAction(argparse.Action):
    """--port P: args.port is the first one given; args.ports lists them all (gang flashing)."""

    def __call__(self, parser, namespace, values, option_string=None):
        ports = list(getattr(namespace, "ports", None) or []) + [values]
        namespace.ports = ports
        namespace.port = ports[0]


def single_port(args, command: str) -> None:
    ports = getattr(args, "ports", None) or []
    if len(ports) > 1:
        raise CliError(f"`{command}` talks to one board: give one --port (only `flash` takes several)")


def parse_baud(text: str) -> int:
    """A link rate in bits per second: a positive whole number (115200, 921600, 2M)."""
    try:
        v = int(text.strip().replace("_", ""), 10)
    except ValueError:
        v = None
    if v is None or not 1200 <= v <= 16_000_000:
        raise argparse.ArgumentTypeError(f"not a baud rate: {text!r} (write e.g. 115200 or 921600; "
                                         f"from 1200 to 16000000)")
    return v


def add_target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--board", default=boards.DEFAULT,
                   help=f"board description: {', '.join(boards.names())} (default: {boards.DEFAULT})")
    p.add_argument("--port", default=None, action=_PortAction,
                   help="serial port of a real board (e.g. /dev/ttyACM0); none: the simulated board; "
                        "`flash` takes it several times to flash boards in parallel")
    p.add_argument("--state", default=None, metavar="DIR",
                   help="simulated board's state directory (default: the one `doit flash` uses)")
    p.add_argument("--baud", type=parse_baud, default=None,
                   help="link speed, honoured exactly or refused with the rates the board supports "
                        "(default: the fastest both ends support)")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="how long to keep asking a silent board, e.g. while you press RESET (default 2)")
    from .rom.args import add_args as add_rom_args
    add_rom_args(p)


def via_rom(args, command: str):
    """`--via rom`: the ROM bootloader's version of `command` (stm32boot.rom.commands), or None."""
    if getattr(args, "via", "ours") != "rom":
        return None
    from .rom.commands import ROM_COMMANDS
    if command not in ROM_COMMANDS:
        raise CliError(f"`{command}` is not available through ST's ROM bootloader (--via rom)")
    return ROM_COMMANDS[command]


def rom_only(args, command: str) -> int:
    """Run `command`, which exists only through ST's ROM bootloader: without --via rom, say how to get there."""
    rom = via_rom(args, command)
    if rom is None:
        raise CliError(f"{command} works through ST's ROM bootloader: set BOOT0 high, reset, and pass --via rom")
    return rom(args)


def get_board(args) -> boards.Board:
    try:
        return boards.get(args.board)
    except KeyError as e:
        raise CliError(str(e.args[0])) from None




def bootloader_elf(board) -> Path:
    """The bootloader `doit firmware` builds (firmware/images.py BOOTLOADER_IMAGES), as the simulator uses it."""
    from .sim_link import default_bootloader
    return Path(default_bootloader(board.name))


def provision_sim(board, state_dir=None) -> bool:
    """The explicit `update-bootloader` path for a blank simulated board: install the built bootloader
    (what a debug probe does once on a real board) and say so. True if sector 0 was blank."""
    from .sim import state
    from .sim.board import build
    from .sim_link import provision
    if not board.sim_chip:
        return False
    state_dir = state_dir or state.default_dir(board.name)
    m = build(board, state_dir=str(state_dir), warn=lambda *a: None)
    try:
        installed = provision(m, board)
    except FileNotFoundError as e:
        raise CliError(str(e)) from None
    finally:
        m.close()
    if installed:
        print(f"simulated board: sector 0 was blank; installed {bootloader_elf(board)} "
              f"(what a debug probe does once on a real board)", file=sys.stderr)
    return installed


def _open(board, port, state_dir, baud, **opts):
    """The one place that reaches the target module (tests replace it with a fake). `opts`: wait,
    before (only when given)."""
    from .sim.state import StateError
    from .target import open_target
    try:
        return open_target(board, port=port, state_dir=state_dir, baud=baud, **opts)
    except StateError as e:
        raise CliError(f"{e} (a simulator started with --uart pty is reached with --port "
                       f"/dev/pts/N, the path it printed)") from None


def _library_errors() -> tuple[type, ...]:
    """Error types that carry a user-facing message (protocol, transport, serial, our own)."""
    import termios

    import serial

    from .native import PackError
    from .protocol import ProtocolError
    from .reset import LineError
    from .sim.state import StateError
    return (ImageError, PlanError, VerifyError, OSError, TimeoutError, ProtocolError, StateError,
            termios.error, PackError, serial.SerialException, LineError)


@contextlib.contextmanager
def errors_as_cli():
    """Any library error becomes one CliError line naming the cause."""
    try:
        yield
    except CliError:
        raise
    except _library_errors() as e:
        msg = str(e) or type(e).__name__
        raise CliError(msg) from None


def check_identity(board: boards.Board, info) -> None:
    """Refuse to work on a different board than --board names: say both."""
    name = getattr(info, "board", None)
    chip = getattr(info, "chip_id", None)
    dev = chip & 0xFFF if isinstance(chip, int) else None   # DBGMCU_IDCODE.DEV_ID
    if (name and name != board.name) or (dev is not None and dev != board.dev_id):
        raise CliError(
            f"wrong board: the target says board {name!r} with chip id 0x{dev or 0:03X}, but "
            f"--board {board.name} is a {board.title} (chip id 0x{board.dev_id:03X}); "
            f"pass the right --board or connect the right board")


def _runs_text(sectors) -> str:
    return " + ".join(f"{n} x {size >> 10} KB" if size % 1024 == 0 else f"{n} x {size} B" for n, size in sectors)


def check_geometry(board: boards.Board, info) -> None:
    """The bootloader's memories must match the board description the plan is made from (base, size,
    sector runs, program unit, page size), or every sector address would be wrong: refuse before erasing.
    A bootloader of an older protocol reported one sector size per memory: only its base and size are
    compared (it is refused any change anyway, and can still be updated)."""
    reported = {m.name: m for m in getattr(info, "memories", ()) or ()}
    old = getattr(info, "protocol_version", lib.PROTO_VERSION) < lib.PROTO_VERSION
    for mem in board.memories:
        m = reported.get(mem.name)
        if m is None:
            raise CliError(f"the bootloader does not report the {mem.name} memory that board "
                           f"{board.name} describes: update the bootloader (`doit flash-loader board={board.name}`)")
        got, want = (m.geometry(), mem.geometry()) if not old else ((m.base, m.size), (mem.base, mem.size))
        if got != want:
            def fmt(x: Memory) -> str:
                return (f"base 0x{x.base:08X}, size 0x{x.size:X}, sectors {_runs_text(x.sectors)}, "
                        f"program unit {x.program_unit}, pages {x.page_size}")
            raise CliError(f"the bootloader describes {mem.name} as {fmt(m)} but board {board.name} says "
                           f"{fmt(mem)}: tool and bootloader disagree; update whichever is older")


def open_options(args) -> dict:
    """--wait and --before as open_target takes them (only those given); a bad --before is refused here,
    before any port is opened."""
    from .reset import LineError, check_ours
    opts = {}
    if getattr(args, "wait", None) is not None:
        opts["wait"] = args.wait
    if getattr(args, "before", None) is not None:
        try:
            opts["before"] = check_ours(args.before)
        except LineError as e:
            raise CliError(str(e)) from None
    return opts


@contextlib.contextmanager
def connect(args, board: boards.Board | None = None):
    """Open the target named by the args, check its identity, close it whatever happens.
    Yields (target, info)."""
    board = board or get_board(args)
    single_port(args, getattr(args, "command", None) or "this command")
    with errors_as_cli():
        target = _open(board, args.port, args.state, args.baud, **open_options(args))
        try:
            info = target.info()
            check_identity(board, info)
            check_geometry(board, info)
            t = getattr(target, "t", None)
            where = getattr(t, "name", None) or (args.port or "the simulated board")
            print(f"target: {board.name} ({board.title}), bootloader {getattr(info, 'bootloader_version', '?')}, "
                  f"via {where}", file=sys.stderr)
            args.target_desc = f"{board.name} via {where}"   # for the command's last line (done_line)
            yield target, info
        finally:
            with contextlib.suppress(Exception):
                target.close()


def done_line(args, text: str) -> str:
    """A command's last line names the board it changed or read, as its first line did (issue 17)."""
    where = getattr(args, "target_desc", None)
    return f"{text}; target {where}" if where else text


def show_console(target, timeout_s: float = 1.0, stream=None) -> bytes:
    """Print what the application says after reset (the demo's banner), indented."""
    stream = stream or sys.stdout
    try:
        out = target.console(timeout_s)
    except Exception as e:                     # the flash itself succeeded: do not fail on this
        print(f"(could not read the application's console: {e})", file=stream)
        return b""
    text = out.decode("utf-8", errors="replace").strip()
    if text:
        print("application says:", file=stream)
        for line in text.splitlines():
            print(f"  {line.rstrip()}", file=stream)
    else:
        print(f"(the application printed nothing within {timeout_s:g} s)", file=stream)
    return out
