"""`stm32boot loader-check FILE.stldr [--board BOARD]`: run an external loader on the simulated board
the way STM32CubeProgrammer does and check it against docs/external-loader-abi.md §5."""
from __future__ import annotations

import os
import time

from .. import boards
from ..cli import CliError


def _run(loader, args, board, **connect):
    from ..sim.loader_checks import run_checks
    yield from run_checks(loader, "zero" if args.fast_nor else "typical", args.only, board=board.name,
                          **connect)


def register(sub) -> None:
    p = sub.add_parser("loader-check", help="run an external loader (.stldr) on the simulated board and check it",
                       description=__doc__)
    p.add_argument("file", metavar="FILE.stldr", help="the external loader to check")
    p.add_argument("--board", default=boards.DEFAULT,
                   help=f"simulated board: {', '.join(boards.names())} (default {boards.DEFAULT})")
    fitted = "; ".join(f"{b.name}: {', '.join(b.nor.parts)}" for b in map(boards.get, boards.names())
                       if b.nor is not None and len(b.nor.parts) > 1)
    p.add_argument("--nor", metavar="PART",
                   help=f"the NOR part fitted (boards shipped with different parts across revisions: {fitted}); "
                        f"default: the board's first")
    p.add_argument("--only", action="append", metavar="CHECK", help="run only this check (repeatable)")
    p.add_argument("--fast-nor", action="store_true",
                   help="NOR program/erase take no virtual time (the report's times become 0)")
    p.add_argument("--supply", choices=("none", "smps", "ldo"), default="none",
                   help="PWR supply configuration the board's application left before the programmer "
                        "connected (kept across its system reset); default none: nothing ran since power-on")
    p.add_argument("--app", metavar="ELF",
                   help="an application (e.g. build/firmware/BOARD/bootloader.elf) the board runs from power-on "
                        "before the programmer connects")
    p.add_argument("--connect", choices=("under-reset", "hot-plug"), default="under-reset",
                   help="programmer connect mode: under-reset (also what Normal gives) resets the system first; "
                        "hot-plug halts the application where it is, its set-up still in place")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..sim.loader_checks import CHECKS
    from ..sim.loader_harness import Loader, LoaderError, harness_board
    try:
        board = harness_board(args.board)
    except LoaderError as e:
        raise CliError(str(e)) from None
    if args.nor is not None and args.nor not in board.nor.parts:
        raise CliError(f"--nor {args.nor}: the {board.title} is fitted with {' or '.join(board.nor.parts)}")
    if not os.path.exists(args.file):
        raise CliError(f"{args.file}: no such file (build loaders with `doit loaders`)")
    if args.app is not None and not os.path.exists(args.app):
        raise CliError(f"--app {args.app}: no such file (build firmware with `doit`)")
    names = [n for n, _ in CHECKS]
    for o in args.only or ():
        if o not in names:
            raise CliError(f"unknown check {o!r}; checks: {', '.join(names)}")
    try:
        loader = Loader.open(args.file)
    except LoaderError as e:
        raise CliError(str(e)) from None
    if args.app is not None:
        from ..sim.loader_harness import LoaderHarness
        try:   # a bad application is the user's input: one line now, not a failure in every check
            LoaderHarness(loader, board=board.name, nor_profile="zero", app=args.app,
                          connect=args.connect, nor_part=args.nor)
        except LoaderError as e:
            raise CliError(str(e)) from None
    t0 = time.monotonic()
    part = args.nor or board.nor.default
    print(f"loader-check {args.file} on the simulated {args.board}" +
          (f" with the {part} NOR" if len(board.nor.parts) > 1 else ""))
    causes: dict[str, list[str]] = {}
    supply = {"none": None, "smps": 0x04, "ldo": 0x02}[args.supply]   # PWR CR3 SMPSEN / LDOEN
    try:
        for r in _run(loader, args, board, supply_cr3=supply, app=args.app, connect=args.connect,
                      nor_part=args.nor):
            msg = r.message + (f"\n      cause: {r.cause}" if r.status == "FAIL" else "")
            print(f"{r.status:4}  {r.name:22} {msg}", flush=True)
            if r.status == "FAIL":
                causes.setdefault(r.cause, []).append(r.name)
    except LoaderError as e:
        raise CliError(str(e)) from None
    failed = sum(len(v) for v in causes.values())
    verdict = "FAILED" if failed else "passed"
    why = "".join(f"; {c}: {', '.join(names)}" for c, names in causes.items())
    print(f"{verdict}: {failed} check(s) failed{why} ({time.monotonic() - t0:.1f} s)")
    return 1 if failed else 0
