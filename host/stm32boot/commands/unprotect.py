"""`stm32boot unprotect --via rom`: remove read protection (RDP level 1 -> 0) and write protection
through ST's ROM bootloader. Removing read protection makes the chip erase its whole flash first
(AN3155 Readout Unprotect), so this says so and asks; --yes answers for scripts."""
from __future__ import annotations

from ..session import add_target_args, rom_only


def register(sub) -> None:
    p = sub.add_parser("unprotect", help="remove read/write protection through ST's ROM bootloader "
                                         "(read protection: erases the whole flash, asks first)",
                       description=__doc__)
    p.add_argument("--yes", action="store_true", help="do not ask before the mass erase (scripts)")
    p.add_argument("--wrp", action="store_true", help="also send Write Unprotect when no WRP bit is seen")
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    return rom_only(args, "unprotect")
