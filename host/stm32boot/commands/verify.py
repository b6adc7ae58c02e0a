"""`stm32boot verify IMAGE...`: compare the board with images by on-target CRC, changing nothing."""
from __future__ import annotations

import time

from .. import image as imagemod
from ..cli import CliError
from ..plan import target_crcs
from ..session import add_target_args, connect, done_line, errors_as_cli, get_board, via_rom


def register(sub) -> None:
    p = sub.add_parser("verify", help="check that the board holds the images (on-target CRC)",
                       description=__doc__)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="ELF, Intel HEX, or app.bin@ADDRESS")
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (rom := via_rom(args, "verify")):
        return rom(args)
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
        ask = getattr(target, "boot_status", None)
        st = ask() if ask is not None else None
        if st is not None and st.release:    # CRCs of whole sectors only: compare as flash would
            return _verify_sectors(img, board, target, t0, args)
        got = target_crcs(target, ranges)
    bad = [(r, g, w) for r, g, w in zip(ranges, got, want) if g != w]
    if bad:
        (a, n), g, w = bad[0]
        raise CliError(f"verify failed: {len(bad)} of {len(ranges)} range(s) differ; first "
                       f"0x{a:08X}..0x{a + n - 1:08X} ({img.source_at(a)}): board CRC 0x{g:08X}, "
                       f"image 0x{w:08X}")
    print(done_line(args, f"verify: {img.size:,} bytes in {len(ranges)} range(s) match the board (CRC), "
                          f"{time.monotonic() - t0:.2f} s wall"))
    return 0


def _verify_sectors(img, board, target, t0, args) -> int:
    """A release bootloader answers CRCs of whole sectors only: each sector the image touches must hold
    the image's bytes with the erased value around them (what `stm32boot flash` writes)."""
    from .. import plan as planmod
    with errors_as_cli():
        plan = planmod.build(img, board)
    planmod.compare(plan, target)
    bad = [s for s in plan.sectors if s.action != planmod.SKIP]
    if bad:
        raise CliError(f"verify failed: {len(bad)} of {len(plan.sectors)} sector(s) differ; first "
                       f"0x{bad[0].addr:08X}..0x{bad[0].addr + bad[0].size - 1:08X} (a release bootloader "
                       f"compares whole sectors)")
    print(done_line(args, f"verify: {img.size:,} bytes in {len(plan.sectors)} sector(s) match the board "
                          f"(whole-sector CRC, release bootloader), {time.monotonic() - t0:.2f} s wall"))
    return 0
