"""`stm32boot reset`: restart the board into its application (or stay in the bootloader)."""
from __future__ import annotations

from ..session import add_target_args, connect, done_line, get_board, show_console, via_rom


def register(sub) -> None:
    p = sub.add_parser("reset", help="reset the board and show what the application prints",
                       description=__doc__)
    p.add_argument("--bootloader", action="store_true", help="stay in the bootloader after reset")
    p.add_argument("--listen", type=float, default=1.0, metavar="SECONDS",
                   help="how long to show the application's console output (default 1)")
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (rom := via_rom(args, "reset")):
        return rom(args)
    with connect(args, get_board(args)) as (target, info):
        # The bootloader starts only an application whose record says its flash completed (apprec.h):
        # say so instead of "application started" on a board that has none.
        no_app = getattr(info, "app_committed", None) is False
        target.reset(run_app=not args.bootloader)
        if args.bootloader:
            print(done_line(args, "reset: the board stays in the bootloader"))
        elif no_app:
            print(done_line(args, "reset: the board restarted; it holds no complete application, so the "
                                  "bootloader stays (flash one: stm32boot flash APP.elf)"))
        else:
            print(done_line(args, "reset: application started"))
            show_console(target, args.listen)
    return 0
