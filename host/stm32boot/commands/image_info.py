"""`stm32boot image-info FILE`: what a signed (MCUboot) image holds and whether it checks out:
memories and ranges, entry point, version, security counter, hashes, key hash, and with -k PUBKEY
whether the Ed25519 signature verifies. Exit status 1 when a check fails."""
from __future__ import annotations

from .. import boards
from .. import image as imagemod
from .. import mcuboot
from ..cli import CliError
from ..session import errors_as_cli, get_board


def register(sub) -> None:
    p = sub.add_parser("image-info", help="show and check a signed image (.signed.hex / .signed.bin)",
                       description=__doc__)
    p.add_argument("file", metavar="FILE", help="app.signed.hex (both memories) or app.signed.bin (the slot)")
    p.add_argument("-k", "--key", metavar="PUBKEY", help="PEM public (or private) key the signature must verify with")
    p.add_argument("--board", default=boards.DEFAULT,
                   help=f"board description: {', '.join(boards.names())} (default: {boards.DEFAULT})")
    p.set_defaults(func=run)


def _load(path: str, board):
    """(SignedImage, Image or None): a .bin is the slot alone, anything else goes through image.load."""
    slot = mcuboot.app_slot(board)
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        raise CliError(f"{path}: cannot read: {e.strerror}") from None
    if raw[:4] == mcuboot.MAGIC.to_bytes(4, "little"):
        return mcuboot.parse(raw, slot), None
    with errors_as_cli():
        img = imagemod.load([path])
    signed = mcuboot.from_image(img, slot)
    if signed is None:
        raise CliError(f"{path}: not a signed image: no MCUboot header at the application slot 0x{slot:08X} "
                       f"(sign it with `doit release`)")
    return signed, img


def run(args) -> int:
    board = get_board(args)
    try:
        signed, img = _load(args.file, board)
        pub = mcuboot.load_public_key(args.key) if args.key else None
    except mcuboot.ImageCheckError as e:
        raise CliError(f"{args.file}: {e}") from None
    s = signed
    print(f"image:      {args.file}")
    print(f"version:    {s.version_str}")
    cnt = s.security_counter
    print(f"security counter: {cnt if cnt is not None else 'none'}")
    print(f"entry:      0x{s.entry:08X}")
    print("ranges:")
    pay = s.slot + s.hdr_size
    print(f"  flash  0x{s.slot:08X}..0x{s.slot + s.end() - 1:08X}  slot: header {s.hdr_size} B, "
          f"payload 0x{pay:08X} {s.img_size:,} B, TLVs {s.end() - s.hdr_size - s.img_size} B")
    for addr, n, h in s.nor_ranges:
        mem = board.memory_at(addr)
        print(f"  {mem.name if mem else '?':<6} 0x{addr:08X}..0x{addr + n - 1:08X}  {n:,} B  sha256 {h.hex()}")
    print(f"sha256:     {s.sha256.hex() if s.sha256 else 'none'}")
    print(f"key hash:   {s.keyhash.hex() if s.keyhash else 'none'}")
    problems = []
    try:
        mcuboot.check(s, nor_reader=mcuboot.image_reader(img) if img is not None else None)
        print("hash:       OK (header, payload and protected TLVs)" +
              (", NOR ranges match" if img is not None and s.nor_ranges else ""))
    except mcuboot.ImageCheckError as e:
        problems.append(str(e))
        print(f"hash:       FAILED: {e}")
    if pub is not None:
        try:
            mcuboot.check(s, pub_raw=pub)
            print(f"signature:  OK, verifies with {args.key}")
        except mcuboot.ImageCheckError as e:
            problems.append(str(e))
            print(f"signature:  FAILED: {e}")
    else:
        print("signature:  not checked (give -k PUBKEY)")
    return 1 if problems else 0
