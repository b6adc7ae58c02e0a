"""The options that choose how a board command reaches its bootloader (--before, and --via rom with its
settings), apart from the ROM commands themselves: every command's parser takes them, and building it must
not import the ROM client."""
from __future__ import annotations


def add_args(p) -> None:
    p.add_argument("--before", default=None, metavar="HOW",
                   help="how to reach the bootloader: default (HELLO; an application linking blreq.c resets "
                        "into it), reset (pulse NRST: the board's wired line or a simulated board's reset "
                        "input), no-reset, dtr-reset / rts-reset (an adapter's DTR/RTS drives NRST); with "
                        "--via rom: none (default), rts-boot0 (RTS->BOOT0, DTR->NRST), dtr-boot0; or line "
                        "steps like 'rts,dtr,wait:100,-dtr'")
    g = p.add_argument_group("through ST's ROM bootloader (--via rom)")
    g.add_argument("--via", choices=("ours", "rom"), default="ours",
                   help="ours: the stm32boot bootloader (default); rom: ST's ROM bootloader (BOOT0 high)")
    g.add_argument("--chip", default=None, metavar="NAME|PID",
                   help="the chip you expect (names its bootloader pins when it does not answer); without "
                        "--port, a simulated chip: f767, f107, l151")
    g.add_argument("--parity", choices=("even", "none"), default="even",
                   help="even (8E1, what the ROM bootloader speaks) or none (a simulator's pty)")
