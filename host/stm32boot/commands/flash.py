"""`stm32boot flash IMAGE...`: write internal flash and NOR in one pass, skipping unchanged sectors,
verifying by on-target CRC, then reset and show what the application prints."""
from __future__ import annotations

import sys
import time

from .. import image as imagemod
from .. import plan as planmod
from ..cli import CliError
from ..progress import Progress
from ..session import add_target_args, connect, errors_as_cli, get_board, show_console, via_rom


def register(sub) -> None:
    p = sub.add_parser("flash", help="write images (ELF, HEX, BIN@ADDR) to the board and verify them",
                       description=__doc__)
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="ELF, Intel HEX, or raw binary with its address: app.bin@0x08020000")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (sectors to erase / skip, bytes) and change nothing")
    p.add_argument("--after", choices=("run", "bootloader", "none"), default=None,
                   help="after flashing: run = reset and start the application, show what it prints "
                        "(default); bootloader = reset and stay in the bootloader; none = leave the "
                        "board as it is (in this bootloader session)")
    p.add_argument("--no-reset", action="store_true", help="the same as --after none")
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (rom := via_rom(args, "flash")):
        return rom(args)
    t0 = time.monotonic()
    board = get_board(args)
    after_choice(args)
    with errors_as_cli():                    # everything is validated before the board is opened
        img = imagemod.load(args.images, board)
        plan = planmod.build(img, board)
    if args.dry_run:
        return dry_run(args, board, plan)
    ports = getattr(args, "ports", None) or []
    if len(ports) > 1:
        if len(set(ports)) != len(ports):
            raise CliError(f"--port {sorted(p for p in ports if ports.count(p) > 1)[0]} given twice")
        from ..gang import flash_many
        return flash_many(args, board, img, ports)
    with connect(args, board) as (target, _info):
        _check_signed(img, board, target)    # signed images: refused with the reason, board untouched
        bar = Progress("writing", 0)       # execute() compares first, then sets the real total
        result = planmod.execute(plan, target, progress=bar)
        result.wall_s = time.monotonic() - t0
        after = after_choice(args)
        if after == "run":
            target.reset(run_app=True)
            show_console(target)
        elif after == "bootloader":
            target.reset(run_app=False)
            print("the board was reset into its bootloader (--after bootloader)")
    print(result.summary("flash"))
    sys.stdout.flush()
    return 0


def after_choice(args) -> str:
    if args.after is not None and args.no_reset and args.after != "none":
        raise CliError(f"--no-reset and --after {args.after} contradict each other: give one")
    return args.after or ("none" if args.no_reset else "run")


def dry_run(args, board, plan) -> int:
    """The plan, compared with the board when it answers (read-only CRCs), else the full plan."""
    note = ""
    try:
        with connect(args, board) as (target, _info):
            planmod.compare(plan, target)
    except CliError as e:
        note = f" (board not compared: {e})"
    print(plan.describe())
    print(f"dry run: nothing written{note}")
    return 0


def _check_signed(img, board, target) -> None:
    from .. import mcuboot
    try:
        mcuboot.precheck_flash(img, board, target)
    except mcuboot.ImageCheckError as e:
        raise CliError(f"refused, nothing written: {e}") from None
