"""`stm32boot flash IMAGE...`: write internal flash and NOR in one pass, skipping unchanged sectors,
verifying by on-target CRC, then reset and show what the application prints."""
from __future__ import annotations

import sys
import time

from .. import image as imagemod
from .. import plan as planmod
from ..cli import CliError
from ..progress import Progress
from ..session import add_target_args, connect, done_line, errors_as_cli, get_board, show_console, via_rom


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
    check_entry(args.images, img, board)
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
    print(done_line(args, result.summary("flash")))
    sys.stdout.flush()
    return 0


def _entry(path: str) -> int | None:
    """The entry point an ELF32 (e_entry, System V ABI ELF header) or Intel HEX file (its Start Linear
    Address record, type 05) names; None for anything else. The file already loaded as an image."""
    try:
        with open(path, "rb") as f:
            head = f.read(0x1C)
            if head[:1] == b":":
                for line in f:           # objcopy writes the type 05 record just before the end
                    if line.startswith(b":04000005") and len(line.strip()) >= 19:
                        return int(line[9:17], 16)
                return None
    except (OSError, ValueError):
        return None
    if len(head) < 0x1C or head[:4] != b"\x7fELF" or head[4] != 1 or head[5] != 1:
        return None
    return int.from_bytes(head[0x18:0x1C], "little")


def check_entry(specs, img, board) -> None:
    """An application (ELF or HEX) whose entry point is in internal flash must bring the vector table the
    bootloader starts (the first byte after its sector): otherwise it was linked for another board (an
    application linked after a 128 KB bootloader sector fits in the flash of a board whose bootloader
    takes 32 KB, which starts its application elsewhere) and flashing it would leave the board running
    the old application with new NOR data."""
    lo, app = imagemod.bootloader_range(board)
    internal = board.memory_at(lo)
    starts = any(a <= app < a + len(d) for a, d in img.chunks)
    for spec in specs:
        if "@" in spec:
            continue
        entry = _entry(spec)
        if entry is None or not internal.contains(entry & ~1) or starts:
            continue
        raise CliError(f"{spec}: its entry point 0x{entry:08X} is in internal flash but it has nothing at "
                       f"0x{app:08X}, where the {board.name} bootloader starts the application: it is linked "
                       f"for another board or slot (pass the right --board, or link it at 0x{app:08X}; a signed "
                       f"release application goes as its .signed.hex)")


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
    print(done_line(args, f"dry run: nothing written{note}"))
    return 0


def _check_signed(img, board, target) -> None:
    from .. import mcuboot
    try:
        mcuboot.precheck_flash(img, board, target)
    except mcuboot.ImageCheckError as e:
        raise CliError(f"refused, nothing written: {e}") from None
