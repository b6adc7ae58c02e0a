"""MCUboot signed images (MCUboot docs/design.md "Image format"; imgtool's byte layout), Ed25519 only.

Internal-flash slot at `slot` (the first sector after our bootloader):
    header (32 B, padded with 0xFF to HDR_SIZE) | payload (the application's internal-flash bytes,
    vector table first) | protected TLVs: SEC_CNT, one NOR_RANGE per external range | unprotected TLVs:
    SHA256, KEYHASH, ED25519
The SHA-256 covers header + padding + payload + protected TLVs; the Ed25519 signature is over that
32-byte digest (pure Ed25519, as imgtool signs). The application's bytes in the external NOR are not in
the slot (the NOR is a separate, swappable chip): each contiguous range is listed with its address,
length and SHA-256 in a protected TLV, so the signature covers it too.

Parsing never trusts a length: every check names what is wrong in words (ImageCheckError).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from . import crypto

MAGIC = 0x96F3B83D
HDR_SIZE = 0x400            # keeps the application's vector table 1 KB aligned (ARMv7-M VTOR, 179 vectors)
HDR = struct.Struct("<IIHHIIBBHII")   # magic load_addr hdr_size prot_size img_size flags major minor revision build pad
TLV_INFO_MAGIC = 0x6907
TLV_PROT_INFO_MAGIC = 0x6908
TLV_KEYHASH, TLV_SHA256, TLV_ED25519, TLV_SEC_CNT = 0x01, 0x10, 0x24, 0x50
TLV_NOR_RANGE = 0x00E1      # ours (vendor range 0xa0-0xfffe): u32 addr, u32 len, SHA-256 of the bytes
NOR_RANGE = struct.Struct("<II32s")
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")   # RFC 8410 SubjectPublicKeyInfo
TLV_NAMES = {TLV_KEYHASH: "KEYHASH", TLV_SHA256: "SHA256", TLV_ED25519: "ED25519",
             TLV_SEC_CNT: "SEC_CNT", TLV_NOR_RANGE: "NOR_RANGE"}


class ImageCheckError(ValueError):
    """A signed image that must not be flashed or booted; the message says why in words."""


def key_hash(pub_raw: bytes) -> bytes:
    """KEYHASH as imgtool writes it: SHA-256 of the key's DER SubjectPublicKeyInfo."""
    return crypto.sha256(ED25519_SPKI_PREFIX + pub_raw)


def parse_version(text: str) -> tuple[int, int, int, int]:
    main, _, build = text.partition("+")
    parts = main.split(".")
    try:
        nums = [int(p) for p in parts] + [0] * (3 - len(parts))
        v = (nums[0], nums[1], nums[2], int(build or 0))
    except ValueError:
        raise ImageCheckError(f"version {text!r}: write it as MAJOR.MINOR.REVISION+BUILD, e.g. 1.2.3+4") from None
    if len(parts) > 3 or not (v[0] < 256 and v[1] < 256 and v[2] < 65536 and v[3] < 2**32) or min(v) < 0:
        raise ImageCheckError(f"version {text!r}: major and minor 0-255, revision 0-65535, build 0-2^32-1")
    return v


@dataclass
class SignedImage:
    raw: bytes                       # the slot bytes, header first
    slot: int                        # where the slot starts in internal flash
    hdr_size: int
    img_size: int
    prot_size: int
    flags: int
    version: tuple[int, int, int, int]
    protected: list[tuple[int, bytes]] = field(default_factory=list)
    unprotected: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def version_str(self) -> str:
        a, b, c, d = self.version
        return f"{a}.{b}.{c}+{d}"

    @property
    def payload(self) -> bytes:
        return self.raw[self.hdr_size:self.hdr_size + self.img_size]

    @property
    def entry(self) -> int:
        return struct.unpack_from("<I", self.raw, self.hdr_size + 4)[0]

    def _one(self, area, tlv):
        vals = [v for t, v in area if t == tlv]
        return vals[0] if vals else None

    @property
    def security_counter(self) -> int | None:
        v = self._one(self.protected, TLV_SEC_CNT)
        return struct.unpack("<I", v)[0] if v is not None and len(v) == 4 else None

    @property
    def nor_ranges(self) -> list[tuple[int, int, bytes]]:
        return [NOR_RANGE.unpack(v) for t, v in self.protected if t == TLV_NOR_RANGE and len(v) == NOR_RANGE.size]

    @property
    def sha256(self) -> bytes | None:
        return self._one(self.unprotected, TLV_SHA256)

    @property
    def keyhash(self) -> bytes | None:
        return self._one(self.unprotected, TLV_KEYHASH)

    @property
    def signature(self) -> bytes | None:
        return self._one(self.unprotected, TLV_ED25519)

    def digest(self) -> bytes:
        return crypto.sha256(self.raw[:self.hdr_size + self.img_size + self.prot_size])

    def end(self) -> int:
        """Bytes of the slot the image occupies (header to the end of the unprotected TLVs)."""
        return len(self.raw)


def _tlvs(raw: bytes, off: int, magic: int, what: str) -> tuple[list[tuple[int, bytes]], int]:
    if off + 4 > len(raw):
        raise ImageCheckError(f"TLV area truncated: the {what} TLV header at offset 0x{off:X} is missing")
    m, tot = struct.unpack_from("<HH", raw, off)
    if m != magic:
        raise ImageCheckError(f"bad TLV layout: expected the {what} TLV magic 0x{magic:04X} at offset "
                              f"0x{off:X}, found 0x{m:04X}")
    if tot < 4 or off + tot > len(raw):
        raise ImageCheckError(f"TLV area truncated: the {what} TLVs claim {tot} bytes from offset 0x{off:X}, "
                              f"the image has {len(raw) - off}")
    out, p, end = [], off + 4, off + tot
    while p < end:
        if p + 4 > end:
            raise ImageCheckError(f"bad TLV layout: a record header crosses the end of the {what} area")
        t, n = struct.unpack_from("<HH", raw, p)
        if p + 4 + n > end:
            raise ImageCheckError(f"bad TLV layout: TLV 0x{t:02X} ({n} bytes) crosses the end of the {what} area")
        out.append((t, raw[p + 4:p + 4 + n]))
        p += 4 + n
    return out, end


def parse(raw: bytes, slot: int = 0) -> SignedImage:
    """Header and TLV layout (MCUboot image_validate.c order); raises ImageCheckError."""
    if len(raw) < HDR.size:
        raise ImageCheckError(f"not a signed image: {len(raw)} bytes, shorter than an MCUboot header")
    magic, _load, hdr_size, prot_size, img_size, flags, v0, v1, v2, build, _pad = HDR.unpack_from(raw)
    if magic != MAGIC:
        raise ImageCheckError(f"not a signed image: no MCUboot header magic at 0x{slot:08X} "
                              f"(found 0x{magic:08X})")
    if hdr_size < HDR.size or hdr_size % 4:
        raise ImageCheckError(f"bad header: header size {hdr_size}")
    if flags != 0:
        raise ImageCheckError(f"bad header: flags 0x{flags:X} (encrypted, RAM-load or compressed images are "
                              f"not supported)")
    end = hdr_size + img_size
    if end > len(raw):
        raise ImageCheckError(f"image truncated: the header promises {img_size} payload bytes, "
                              f"{max(0, len(raw) - hdr_size)} present")
    protected = []
    if prot_size:
        protected, pend = _tlvs(raw, end, TLV_PROT_INFO_MAGIC, "protected")
        if pend - end != prot_size:
            raise ImageCheckError(f"bad TLV layout: protected area is {pend - end} bytes, header says {prot_size}")
        end = pend
    unprotected, end = _tlvs(raw, end, TLV_INFO_MAGIC, "unprotected")
    ver = (v0, v1, v2, build)
    return SignedImage(raw[:end], slot, hdr_size, img_size, prot_size, flags, ver, protected, unprotected)


def check(img: SignedImage, pub_raw: bytes | None = None, nor_reader=None,
          min_counter: int | None = None) -> None:
    """The checks the release bootloader makes, in its order; raises ImageCheckError naming the first
    failure. pub_raw: the key that must have signed (None: only hash and layout). nor_reader(addr, n):
    the bytes the NOR range will hold (None: not checked). min_counter: the board's counter."""
    want = img.sha256
    if want is None or len(want) != 32:
        raise ImageCheckError("no SHA256 TLV: the image is not signed as imgtool signs")
    if img.digest() != want:
        raise ImageCheckError("hash mismatch: header, payload or protected TLVs were altered after signing")
    sig = img.signature
    if pub_raw is not None:
        if img.keyhash is None:
            raise ImageCheckError("unknown key: the image has no KEYHASH TLV naming its signing key")
        if img.keyhash != key_hash(pub_raw):
            raise ImageCheckError(f"unknown key: signed by key {img.keyhash.hex()[:16]}..., "
                                  f"expected {key_hash(pub_raw).hex()[:16]}...")
        if sig is None or len(sig) != 64:
            raise ImageCheckError("no Ed25519 signature TLV")
        if not crypto.ed25519_verify(sig, pub_raw, want):
            raise ImageCheckError("bad signature: the Ed25519 signature does not verify with the key")
    if nor_reader is not None:
        for addr, n, h in img.nor_ranges:
            data = nor_reader(addr, n)
            if data is None:      # the image does not carry this range: the board checks it at boot
                continue
            if len(data) != n or crypto.sha256(data) != h:
                raise ImageCheckError(f"NOR range 0x{addr:08X}..0x{addr + n - 1:08X} altered: its SHA-256 "
                                      f"does not match the signed one")
    cnt = img.security_counter
    if min_counter is not None and (cnt or 0) < min_counter:
        raise ImageCheckError(f"rollback from {min_counter} to {cnt or 0}: the board has booted an image "
                              f"with security counter {min_counter}")


def _tlv(t: int, v: bytes) -> bytes:
    return struct.pack("<HH", t, len(v)) + v


def sign(payload: bytes, slot: int, version: str, security_counter: int,
         nor_ranges: list[tuple[int, bytes]], private_key) -> bytes:
    """The slot bytes for `payload` (application linked at slot + HDR_SIZE), signed with an Ed25519
    `cryptography` private key. Deterministic: same inputs, same bytes."""
    from cryptography.hazmat.primitives import serialization
    v = parse_version(version)
    prot = _tlv(TLV_SEC_CNT, struct.pack("<I", security_counter))
    for addr, data in nor_ranges:
        prot += _tlv(TLV_NOR_RANGE, NOR_RANGE.pack(addr, len(data), crypto.sha256(data)))
    prot = struct.pack("<HH", TLV_PROT_INFO_MAGIC, len(prot) + 4) + prot
    hdr = HDR.pack(MAGIC, 0, HDR_SIZE, len(prot), len(payload), 0, v[0], v[1], v[2], v[3], 0)
    signed = hdr + b"\xff" * (HDR_SIZE - len(hdr)) + payload + prot
    digest = crypto.sha256(signed)
    pub = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    unprot = _tlv(TLV_SHA256, digest) + _tlv(TLV_KEYHASH, key_hash(pub)) + _tlv(TLV_ED25519, private_key.sign(digest))
    return signed + struct.pack("<HH", TLV_INFO_MAGIC, len(unprot) + 4) + unprot


def load_private_key(path: str):
    """An Ed25519 private key from a PEM file (imgtool keygen -t ed25519 writes PKCS#8)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    try:
        with open(path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise ImageCheckError(f"{path}: cannot read an unencrypted PEM private key ({e.__class__.__name__}); "
                              f"make one with `doit keygen`") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImageCheckError(f"{path}: not an Ed25519 key; make one with `doit keygen` "
                              f"(or imgtool keygen -t ed25519)")
    return key


def load_public_key(path: str) -> bytes:
    """The raw 32-byte Ed25519 public key from a PEM file holding a public or a private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    try:
        text = open(path, "rb").read()
    except OSError as e:
        raise ImageCheckError(f"{path}: {e.strerror}") from None
    key = None
    for loader in (serialization.load_pem_public_key, lambda t: serialization.load_pem_private_key(t, None)):
        try:
            key = loader(text)
            break
        except (ValueError, TypeError):
            continue
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise ImageCheckError(f"{path}: not an Ed25519 PEM key")
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def from_image(image, slot: int) -> SignedImage | None:
    """The signed slot inside a loaded stm32boot.image.Image, or None when the slot has no MCUboot magic."""
    for addr, data in image.chunks:
        if addr <= slot < addr + len(data):
            raw = data[slot - addr:]
            if len(raw) >= 4 and struct.unpack_from("<I", raw)[0] == MAGIC:
                return parse(raw, slot)
    return None


def image_reader(image):
    """nor_reader for check(): the bytes an Image holds at [addr, addr+n), or None if not all present."""
    def read(addr, n):
        for a, d in image.chunks:
            if a <= addr and addr + n <= a + len(d):
                return d[addr - a:addr - a + n]
        return None
    return read


def app_slot(board) -> int:
    """The signed slot starts right after the bootloader's reserved area in internal flash."""
    flash = next(m for m in board.memories if m.kind == "internal")
    return flash.base + board.bootloader_size


def sign_image(image, board, version: str, security_counter: int, private_key) -> tuple[bytes, list]:
    """Sign a loaded application (stm32boot.image.Image linked at slot + HDR_SIZE): returns the slot bytes
    and the chunks of the whole signed image [(addr, bytes)] (the slot, then every NOR range)."""
    from .image import ImageError, split
    slot = app_slot(board)
    parts = split(image, board)
    internal, external = [], []
    for mem, chunks in parts.items():
        (internal if mem.kind == "internal" else external).extend(chunks)
    if not internal:
        raise ImageError("the application has no bytes in internal flash: nothing to sign")
    first = min(a for a, _ in internal)
    if first != slot + HDR_SIZE:
        raise ImageError(f"a signed application must start at 0x{slot + HDR_SIZE:08X} (its slot 0x{slot:08X} "
                         f"plus the {HDR_SIZE}-byte MCUboot header), this one starts at 0x{first:08X}: "
                         f"link it with the release linker script")
    end = max(a + len(d) for a, d in internal)
    payload = bytearray(b"\xff" * (end - first))
    for a, d in internal:
        payload[a - first:a - first + len(d)] = d
    raw = sign(bytes(payload), slot, version, security_counter, sorted(external), private_key)
    return raw, [(slot, raw)] + sorted(external)


def precheck_flash(image, board, target) -> None:
    """Before anything is erased: a signed image must be intact (hash, NOR ranges it carries), and on a
    release bootloader signed by the board's key with a counter not below the board's; an unsigned image
    is refused by a release bootloader. Raises ImageCheckError with the reason."""
    signed = from_image(image, app_slot(board))
    ask = getattr(target, "boot_status", None)     # targets that predate verified boot: development
    st = ask() if ask is not None else None
    release = st is not None and st.release
    if signed is None:
        flash = next(m for m in board.memories if m.kind == "internal")
        if release and any(a < flash.end and a + len(d) > flash.base for a, d in image.chunks):
            raise ImageCheckError(f"unsigned image: this board's release bootloader starts only images signed by "
                                  f"key {key_hash(st.key).hex()[:16]}...; build one with `doit release`")
        return
    check(signed, nor_reader=image_reader(image))
    if release:
        check(signed, pub_raw=st.key, min_counter=st.counter)
