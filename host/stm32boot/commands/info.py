"""`stm32boot info`: what the bootloader on the board reports (versions, chip, memories, limits)."""
from __future__ import annotations

from ..session import add_target_args, connect, get_board, via_rom


def _size(n: int) -> str:
    return f"{n >> 20} MB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n >> 10} KB" if n % 1024 == 0 else f"{n} B"


def register(sub) -> None:
    p = sub.add_parser("info", help="show the bootloader's versions, chip id and memories",
                       description=__doc__)
    add_target_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if (rom := via_rom(args, "info")):
        return rom(args)
    board = get_board(args)
    with connect(args, board) as (_target, info):
        where = args.port or "simulated board"
        print(f"board:      {info.board} ({board.title}) on {where}")
        print(f"chip id:    0x{info.chip_id:08X} ({board.chip})")
        print(f"bootloader: version {info.bootloader_version}, protocol {info.protocol_version}")
        print(f"link:       {info.baud} baud, {info.max_payload} bytes per frame")
        app = getattr(info, "app_committed", None)
        if app is not None:
            print("application: " + ("complete (its last flash verified and committed): starts at reset" if app
                                     else "none, or its last flash did not complete: the bootloader stays; "
                                          "flash it"))
        print("memories:")
        for m in info.memories:
            sec = " + ".join(f"{n} x {_size(size)}" for n, size in m.sectors)
            units = (f", {_size(m.block_size)} block erase" if m.block_size else "") + \
                (", chip erase" if m.chip_erase else "")
            print(f"  {m.name:<6} 0x{m.base:08X}  {_size(m.size):>6}  sectors {sec}, program unit "
                  f"{m.program_unit} B, page {m.page_size} B, erased 0x{m.erased:02X}{units}")
        print(f"reserved:   0x{board.memories[0].base:08X}..0x{board.memories[0].base + board.bootloader_size - 1:08X}"
              " (the bootloader)")
        _boot(_target)


def _boot(target) -> None:
    """Verified boot: release or development, and why the application did or did not start."""
    from ..mcuboot import key_hash
    ask = getattr(target, "boot_status", None)
    st = ask() if ask is not None else None
    if st is None:
        print("boot:       development bootloader (predates verified boot): unsigned images boot")
    elif not st.release:
        print(f"boot:       {st.describe()}")
    else:
        print(f"boot:       release bootloader {st.version_str}, verified boot; key hash {key_hash(st.key).hex()}")
        print(f"            security counter: {st.counter} (highest booted)")
        print(f"            {'application starts: ' if st.reason == 1 else 'application NOT started: '}{st.describe()}")
    return 0
