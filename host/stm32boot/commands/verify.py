"""`stm32boot verify IMAGE...`: compare the board with images by on-target CRC, changing nothing."""
from __future__ import annotations

import time

from .. import image as imagemod
from ..cli import CliError
from ..plan import target_crcs
from ..session import add_target_args, connect, errors_as_cli, get_board


def register(sub) -> None:
    p = sub.add_parser("verify", help="check that the board holds the images (on-target CRC)",
                       description=__doc__)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="ELF, Intel HEX, or app.bin@ADDRESS")
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..native import crc32
    t0 = time.monotonic()
    board = get_board(args)
    with errors_as_cli():
        img = imagemod.load(args.images, board)
        imagemod.split(img, board)           # same board checks as flash
    # Exactly the image's bytes: what else the sectors hold is not the image's business.
    ranges = [(a, len(d)) for a, d in img.chunks]
    want = [crc32(d) for _, d in img.chunks]
    with connect(args, board) as (target, _info):
        got = target_crcs(target, ranges)
    bad = [(r, g, w) for r, g, w in zip(ranges, got, want) if g != w]
    if bad:
        (a, n), g, w = bad[0]
        raise CliError(f"verify failed: {len(bad)} of {len(ranges)} range(s) differ; first "
                       f"0x{a:08X}..0x{a + n - 1:08X} ({img.source_at(a)}): board CRC 0x{g:08X}, "
                       f"image 0x{w:08X}")
    print(f"verify: {img.size:,} bytes in {len(ranges)} range(s) match the board (CRC), "
          f"{time.monotonic() - t0:.2f} s wall")
    return 0
