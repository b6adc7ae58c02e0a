"""`stm32boot read ADDRESS LENGTH -o FILE`: copy memory from the board into a file."""
from __future__ import annotations

import time

from ..cli import CliError, write_output
from ..progress import Progress
from ..session import add_target_args, connect, done_line, get_board, parse_int, via_rom


BLOCK = 64 * 1024   # per Target.read call: the target windows the frames inside; progress per block


def register(sub) -> None:
    p = sub.add_parser("read", help="read memory from the board into a file", description=__doc__)
    p.add_argument("address", type=parse_int, help="start address, e.g. 0x90000000")
    p.add_argument("length", type=parse_int, help="bytes to read, e.g. 4096 or 64K")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (rom := via_rom(args, "read")):
        return rom(args)
    t0 = time.monotonic()
    board = get_board(args)
    if args.length <= 0:
        raise CliError("the length must be positive")
    if board.memory_at(args.address, args.length) is None:
        raise CliError(f"0x{args.address:08X}..0x{args.address + args.length - 1:08X} is not inside "
                       f"one memory of the {board.name} board")
    out = bytearray()
    with connect(args, board) as (target, _info):
        bar = Progress("reading", args.length)
        while len(out) < args.length:
            n = min(BLOCK, args.length - len(out))
            out += target.read(args.address + len(out), n)
            bar(len(out))
        bar.finish()
    write_output(args.output, out)
    print(done_line(args, f"read: {len(out):,} bytes from 0x{args.address:08X} into {args.output}, "
                          f"{time.monotonic() - t0:.2f} s wall"))
    return 0
