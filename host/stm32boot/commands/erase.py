"""`stm32boot erase (--all | ADDRESS[:LENGTH]...)`: erase whole sectors; sectors already blank are
left alone (checked by on-target CRC), the bootloader's sector is refused."""
from __future__ import annotations

import time

from ..cli import CliError
from ..image import bootloader_range, describe_memories
from ..plan import ERASE_PER_CALL, target_crcs
from ..progress import Progress
from ..session import add_target_args, connect, done_line, get_board, parse_int, via_rom


def _blank_crc(size: int, erased: int, cache: dict) -> int:
    from ..native import crc32
    key = (size, erased)
    if key not in cache:
        cache[key] = crc32(bytes([erased]) * size)
    return cache[key]


def register(sub) -> None:
    p = sub.add_parser("erase", help="erase sectors (ADDRESS[:LENGTH], or --all but the bootloader)",
                       description=__doc__)
    p.add_argument("ranges", nargs="*", metavar="ADDRESS[:LENGTH]",
                   help="erase every sector holding a byte of the range (LENGTH default 1)")
    p.add_argument("--all", action="store_true",
                   help="erase every sector of every memory except the bootloader's")
    add_target_args(p)
    p.set_defaults(func=run)


def sectors_for(board, ranges: list[str], everything: bool) -> list[tuple[int, int, int]]:
    """[(addr, size, erased_value)] to erase, validated before the board is touched."""
    bl_lo, bl_hi = bootloader_range(board)
    if everything == bool(ranges):
        raise CliError("give either --all or one or more ADDRESS[:LENGTH]")
    wanted: dict[int, tuple[int, int, int]] = {}
    for m in board.memories:
        if not m.writable:
            continue
        for a, n in m.sector_list():
            if everything and not (a < bl_hi and a + n > bl_lo):
                wanted[a] = (a, n, m.erased)
    for text in ranges:
        addr_s, _, len_s = text.partition(":")
        try:
            addr, length = parse_int(addr_s), parse_int(len_s) if len_s else 1
        except Exception:
            raise CliError(f"cannot read {text!r} as ADDRESS[:LENGTH] (e.g. 0x90000000:64K)") from None
        if length <= 0:
            raise CliError(f"{text}: the length must be positive")
        m = board.memory_at(addr, length)
        if m is None or not m.writable:
            raise CliError(f"0x{addr:08X}..0x{addr + length - 1:08X} is not inside one writable "
                           f"memory of the {board.name} board: {describe_memories(board)}")
        if addr < bl_hi and addr + length > bl_lo:
            raise CliError(f"0x{addr:08X}..0x{addr + length - 1:08X} overlaps the bootloader at "
                           f"0x{bl_lo:08X}..0x{bl_hi - 1:08X}, which is never erased "
                           f"(use update-bootloader to replace it)")
        for a, n in m.sector_list():
            if a < addr + length and addr < a + n:
                wanted[a] = (a, n, m.erased)
    # The application's first sector goes first: from then on the board has no valid-looking app.
    return sorted(wanted.values(), key=lambda s: (s[0] != bl_hi, s[0]))


def run(args) -> int:
    if (rom := via_rom(args, "erase")):
        return rom(args)
    t0 = time.monotonic()
    board = get_board(args)
    sectors = sectors_for(board, args.ranges, args.all)
    with connect(args, board) as (target, _info):
        v0 = getattr(target, "virtual_seconds", None)
        cache: dict = {}
        crcs = target_crcs(target, [(a, n) for a, n, _ in sectors])
        todo = [s for s, got in zip(sectors, crcs) if got != _blank_crc(s[1], s[2], cache)]
        bar = Progress("erasing", len(todo)) if todo else None
        for i in range(0, len(todo), ERASE_PER_CALL):
            target.erase([a for a, _, _ in todo[i:i + ERASE_PER_CALL]])
            bar(min(i + ERASE_PER_CALL, len(todo)))
        if bar:
            bar.finish()
        crcs = target_crcs(target, [(a, n) for a, n, _ in todo])
        bad = [s for s, got in zip(todo, crcs) if got != _blank_crc(s[1], s[2], cache)]
        if bad:
            raise CliError(f"erase failed: sector 0x{bad[0][0]:08X} is not blank after erasing "
                           f"({len(bad)} sector(s) affected)")
        v1 = getattr(target, "virtual_seconds", None)
    t = f"{time.monotonic() - t0:.2f} s wall"
    if v0 is not None and v1 is not None:
        t += f", {v1 - v0:.2f} s on the simulated board's clock"
    print(done_line(args, f"erase: {len(todo)} sector(s) erased, {len(sectors) - len(todo)} already blank, "
                          f"checked blank by CRC, {t}"))
    return 0
