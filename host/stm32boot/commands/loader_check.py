"""`stm32boot loader-check FILE.stldr [--board BOARD]`: run an external loader on the simulated board
the way STM32CubeProgrammer does and check it against external-loader-abi.md §5."""
from __future__ import annotations

import os
import time

from .. import boards
from ..cli import CliError


def _run(loader, args, board):
    from ..sim.loader_checks import run_checks
    yield from run_checks(loader, "zero" if args.fast_nor else "typical", args.only, board=board.name)


def register(sub) -> None:
    p = sub.add_parser("loader-check", help="run an external loader (.stldr) on the simulated board and check it",
                       description=__doc__)
    p.add_argument("file", metavar="FILE.stldr", help="the external loader to check")
    p.add_argument("--board", default=boards.DEFAULT,
                   help=f"simulated board: {', '.join(boards.names())} (default {boards.DEFAULT})")
    p.add_argument("--only", action="append", metavar="CHECK", help="run only this check (repeatable)")
    p.add_argument("--fast-nor", action="store_true",
                   help="NOR program/erase take no virtual time (the report's times become 0)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..sim.loader_checks import CHECKS
    from ..sim.loader_harness import Loader, LoaderError, harness_board
    try:
        board = harness_board(args.board)
    except LoaderError as e:
        raise CliError(str(e)) from None
    if not os.path.exists(args.file):
        raise CliError(f"{args.file}: no such file (build loaders with `doit loaders`)")
    names = [n for n, _ in CHECKS]
    for o in args.only or ():
        if o not in names:
            raise CliError(f"unknown check {o!r}; checks: {', '.join(names)}")
    try:
        loader = Loader.open(args.file)
    except LoaderError as e:
        raise CliError(str(e)) from None
    t0 = time.monotonic()
    print(f"loader-check {args.file} on the simulated {args.board}")
    failed = 0
    try:
        for name, status, msg in _run(loader, args, board):
            failed += status == "FAIL"
            print(f"{status:4}  {name:22} {msg}", flush=True)
    except LoaderError as e:
        raise CliError(str(e)) from None
    verdict = "FAILED" if failed else "passed"
    print(f"{verdict}: {failed} check(s) failed ({time.monotonic() - t0:.1f} s)")
    return 1 if failed else 0
