"""`stm32boot protect --via rom (--rdp | --wrp N,...)`: set read protection (level 1) or write
protection through ST's ROM bootloader. Read protection blocks every later read and write until
`stm32boot unprotect --via rom`, which erases the whole flash."""
from __future__ import annotations

from ..session import add_target_args, rom_only


def register(sub) -> None:
    p = sub.add_parser("protect", help="set read/write protection through ST's ROM bootloader",
                       description=__doc__)
    p.add_argument("--rdp", action="store_true", help="read protection level 1 (Readout Protect)")
    p.add_argument("--wrp", default=None, metavar="N[,N...]",
                   help="write-protect these sectors (F1/L1: WRP bits, one per group of pages)")
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    return rom_only(args, "protect")
