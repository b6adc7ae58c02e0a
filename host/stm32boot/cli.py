"""`stm32boot` command line. Each subcommand lives in stm32boot/commands/<name>.py and defines
`register(subparsers)`; this file only discovers them, so adding a command touches one new file."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import __version__, commands


class CliError(Exception):
    """An error the user can act on: printed as one clear message, exit status 2."""


def write_output(path: str, data: bytes) -> None:
    """Write a command's output file; a failure is a CliError naming the file and the cause."""
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise CliError(f"{path}: cannot write: {e.strerror}") from None


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too (the full usage is one `-h` away)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} -h`)\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command; when `argv` names one command, of that one only (importing the
    others, and what they import, costs tens of milliseconds before the board is even opened)."""
    p = _Parser(
        prog="stm32boot",
        description="Flash STM32 internal flash and external octal/quad SPI NOR over UART, in one pass, "
                    "verified on the target. Without --port, commands talk to the simulated board.")
    p.add_argument("--version", action="version", version=f"stm32boot {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__))
    first = argv[0].replace("-", "_") if argv else None
    if first in names:
        names = [first]   # `-h`, `--version` or an unknown word still get every command
    for name in names:
        importlib.import_module(f"{commands.__name__}.{name}").register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as e:
        print(f"stm32boot: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        nl = "\n" if sys.stderr.isatty() else ""    # after a progress bar drawn in place
        print(f"{nl}stm32boot: interrupted; nothing more was sent to the board (run the command "
              f"again to finish)", file=sys.stderr)
        return 130
    except Exception as e:
        # A case no command turned into a CliError is still one line, never a traceback (issue 17);
        # STM32BOOT_DEBUG=1 shows the traceback for a bug report.
        import os
        if os.environ.get("STM32BOOT_DEBUG"):
            raise
        msg = (str(e).splitlines() or [""])[0]
        print(f"stm32boot: error: {type(e).__name__}: {msg} (unexpected: please report it with the command "
              f"line; STM32BOOT_DEBUG=1 shows where it happened)", file=sys.stderr)
        return 1
