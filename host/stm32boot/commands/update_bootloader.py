"""`stm32boot update-bootloader BOOTLOADER.elf`: replace the bootloader in sector 0 (what
`doit flash-loader` runs). The copy is done by the running bootloader (a RAM updater that rewrites
sector 0, verifies and resets); the host checks the image, hands it over and verifies the result.
A board whose bootloader has no self-update command is told so; nothing is faked. An image without our
identity record for this board (protocol.h struct proto_ident), e.g. an application or a test firmware,
is refused before the board is touched; a board that already holds exactly this bootloader (same CRC
over its whole sector) is left alone."""
from __future__ import annotations

import os

from .. import image as imagemod
from .._protocol import ffi, lib
from ..cli import CliError
from ..session import add_target_args, bootloader_elf, connect, errors_as_cli, get_board, provision_sim, via_rom


def register(sub) -> None:
    p = sub.add_parser("update-bootloader", help="replace the board's bootloader (sector 0)",
                       description=__doc__)
    p.add_argument("image", metavar="BOOTLOADER", help="bootloader ELF/HEX (or .bin@0x08000000); for a release "
                   "bootloader: build/release/BOARD/bootloader.signed.bin")
    add_target_args(p)
    p.set_defaults(func=run)


def target_name(args, board) -> str:
    if args.port:
        return f"{board.name} on {args.port}"
    return f"simulated {board.name}" + (f" (state {args.state})" if getattr(args, "state", None) else "")


def bootloader_bytes(board, spec: str) -> bytes:
    """The new bootloader as one block from the start of internal flash, checked to fit its area; a
    signed bootloader (MCUboot, from `doit release`) as it is: the release bootloader checks it."""
    from ..mcuboot import MAGIC
    try:
        with open(spec, "rb") as f:
            head = f.read(4)
        if head == MAGIC.to_bytes(4, "little"):
            return open(spec, "rb").read()
    except OSError:
        pass   # image.load names the problem
    lo, hi = imagemod.bootloader_range(board)
    if "@" not in spec and _raw_binary(spec):
        spec = f"{spec}@0x{lo:08X}"   # a bootloader's raw binary (bootloader.bin) starts at its sector
    with errors_as_cli():
        img = imagemod.load([spec], board)
    first, last = img.chunks[0][0], img.chunks[-1][0] + len(img.chunks[-1][1])
    if first < lo or last > hi:
        bad = first if first < lo else hi
        raise CliError(f"{spec}: not a bootloader for {board.name}: it has bytes at 0x{bad:08X}, "
                       f"outside the bootloader area 0x{lo:08X}..0x{hi - 1:08X}")
    if first != lo:
        raise CliError(f"{spec}: does not start at 0x{lo:08X} (first byte at 0x{first:08X}): "
                       f"the vector table must be at the start of internal flash")
    flash = board.memory_at(lo)
    blob = bytearray([flash.erased]) * (last - lo)
    for a, d in img.chunks:
        blob[a - lo:a - lo + len(d)] = d
    return bytes(blob)


def _raw_binary(path: str) -> bool:
    """Neither ELF nor Intel HEX (what image.load tells apart): a raw binary."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False   # image.load names the problem
    return bool(head) and head != b"\x7fELF" and not head.startswith(b":")


def identity(blob: bytes, spec: str, board) -> dict:
    """The image's identity record, checked against the board: one line naming the cause otherwise."""
    magic = (lib.PROTO_IDENT_MAGIC0 | lib.PROTO_IDENT_MAGIC1 << 32).to_bytes(8, "little")
    at = blob.find(magic)
    size = ffi.sizeof("struct proto_ident")
    if at < 0 or at + size > len(blob):
        raise CliError(f"{spec}: not a stm32boot bootloader (no identity record in it): refusing to put it "
                       f"in the bootloader's sector; build ours with `doit firmware` "
                       f"({bootloader_elf(board)})")
    rec = ffi.new("struct proto_ident *")
    ffi.memmove(rec, blob[at:at + size], size)
    name = ffi.string(rec.board, 16).decode("ascii", "replace")
    if name != board.name:
        raise CliError(f"{spec}: a bootloader for the {name} board, not for {board.name}: refusing it "
                       f"(pick the image for {board.name}: {bootloader_elf(board)})")
    if rec.proto_version != lib.PROTO_VERSION:
        raise CliError(f"{spec}: speaks protocol version {rec.proto_version}, this host speaks "
                       f"{lib.PROTO_VERSION}: refusing it (rebuild it from this tree with `doit firmware`)")
    return {"board": name, "proto_version": rec.proto_version,
            "version": f"{rec.bl_version >> 8}.{rec.bl_version & 0xFF}"}


def already_there(target, board, blob: bytes) -> bool:
    """True when the bootloader's sector holds exactly `blob` and erased bytes after it."""
    from ..native import crc32
    lo, hi = imagemod.bootloader_range(board)
    flash = board.memory_at(lo)
    whole = blob + bytes([flash.erased]) * (hi - lo - len(blob))
    try:
        return target.crc([(lo, hi - lo)])[0] == crc32(whole)
    except Exception:
        return False


def run(args) -> int:
    if (rom := via_rom(args, "update-bootloader")):
        return rom(args)
    board = get_board(args)
    blob = bootloader_bytes(board, args.image)
    ident = identity(blob, args.image, board)
    if not args.port and os.path.exists(args.image) and \
            os.path.samefile(args.image, bootloader_elf(board)) and _provision(board, args.state):
        print(f"update-bootloader: the simulated board was blank: {args.image} installed in sector 0")
        return 0
    with connect(args, board) as (target, info):
        if already_there(target, board, blob):
            print(f"update-bootloader: {target_name(args, board)} already runs this bootloader "
                  f"(version {ident['version']}, same CRC over its sector): nothing rewritten")
            return 0
        update = getattr(target, "update_bootloader", None)
        if update is None:
            raise CliError(
                f"the bootloader on this {board.name} board (version {info.bootloader_version}) "
                f"does not support self-update yet; the board is unchanged. Reflash sector 0 with "
                f"the ST ROM bootloader (BOOT0 high) or a debug probe instead")
        blob = _release_gate(target, blob)
        update(blob)
    print(f"update-bootloader: {target_name(args, board)}: {len(blob):,} bytes written to 0x{imagemod.bootloader_range(board)[0]:08X} "
          f"and verified by the bootloader; the board restarted")
    return 0


def _provision(board, state) -> bool:
    from ..sim.state import StateError
    try:
        return provision_sim(board, state)
    except StateError as e:   # another simulator (e.g. `stm32boot sim --uart pty`) holds the state
        raise CliError(f"{e} (a simulator started with --uart pty is reached with --port /dev/pts/N, "
                       f"the path it printed)") from None


def _release_gate(target, blob: bytes) -> bytes:
    """What to stage. A release bootloader takes only a bootloader signed by its key, not older than
    itself: say so before staging anything (it refuses on its own too). A development bootloader takes
    the plain image: a signed one (the first install of a release bootloader) goes without its header."""
    from ..mcuboot import MAGIC, ImageCheckError, check, key_hash, parse
    ask = getattr(target, "boot_status", None)
    st = ask() if ask is not None else None
    if st is None or not st.release:
        if blob[:4] == MAGIC.to_bytes(4, "little"):
            try:
                return parse(blob).payload
            except ImageCheckError as e:
                raise CliError(f"refused, nothing written: {e}") from None
        return blob
    if blob[:4] != MAGIC.to_bytes(4, "little"):
        raise CliError("refused, nothing written: this board runs a release bootloader, which takes only a "
                       "signed bootloader (build/release/<board>/bootloader.signed.bin from `doit release`)")
    try:
        img = parse(blob)
        check(img, pub_raw=st.key)
    except ImageCheckError as e:
        raise CliError(f"refused, nothing written: {e} (the board's key hash is {key_hash(st.key).hex()})") from None
    v = img.version
    if (v[0] << 24 | v[1] << 16 | v[2]) < st.version:
        raise CliError(f"refused, nothing written: bootloader {img.version_str} is older than the board's "
                       f"{st.version_str}")
    return blob
