"""`stm32boot unprotect --via rom`: remove read protection (RDP level 1 -> 0) and write protection
through ST's ROM bootloader. Removing read protection makes the chip erase its whole flash first
(AN3155 Readout Unprotect), so this says so and asks; --yes answers for scripts."""
from __future__ import annotations

from ..cli import CliError
from ..session import add_target_args, via_rom


def register(sub) -> None:
    p = sub.add_parser("unprotect", help="remove read/write protection through ST's ROM bootloader "
                                         "(read protection: erases the whole flash, asks first)",
                       description=__doc__)
    p.add_argument("--yes", action="store_true", help="do not ask before the mass erase (scripts)")
    p.add_argument("--wrp", action="store_true", help="also send Write Unprotect when no WRP bit is seen")
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    rom = via_rom(args, "unprotect")
    if rom is None:
        raise CliError("unprotect works through ST's ROM bootloader: set BOOT0 high, reset, and pass --via rom")
    return rom(args)
