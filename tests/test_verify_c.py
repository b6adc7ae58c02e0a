"""The release bootloader's image checks (firmware/core/verify.c) run on the host (stm32boot._verify,
built with UBSan) and judge damaged images exactly as the host's checker does: a bootloader update
signed by the key is taken, anything the host refuses is refused, with the reason the board reports.
Each image ends right before an inaccessible page, so a read past its end would crash the test."""
import ctypes
import mmap

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import assume, given, settings, strategies as st

from stm32boot import mcuboot
from stm32boot._protocol import lib as P
from stm32boot._verify import ffi, lib

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUB = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
PAYLOAD = bytes((i * 7) & 0xFF for i in range(3000))
GOOD = mcuboot.sign(PAYLOAD, 0x08000000, "1.0.0", 0, [], KEY)
PAGE = mmap.PAGESIZE
_libc = ctypes.CDLL(None)


def c_check(image: bytes, key: bytes = PUB):
    """enum proto_boot verdict of vb_check_update, the image placed flush against a PROT_NONE page."""
    lib.vb_host_set_key(key)
    n = len(image)
    pages = -(-max(n, 1) // PAGE)
    mm = mmap.mmap(-1, (pages + 1) * PAGE)
    base = int(ffi.cast("uintptr_t", ffi.from_buffer(mm)))
    start = pages * PAGE - n
    mm[start:start + n] = image
    assert _libc.mprotect(ctypes.c_void_p(base + pages * PAGE), PAGE, 0) == 0
    try:
        ln = ffi.new("uint32_t *", n)
        r = lib.vb_check_update(ffi.cast("uint8_t *", base + start), ln, n)
        out = bytes(mm[start:start + ln[0]]) if r == P.BOOT_VERIFIED else None
    finally:
        _libc.mprotect(ctypes.c_void_p(base + pages * PAGE), PAGE, 3)
        mm.close()
    return r, out


def py_ok(image: bytes) -> bool:
    try:
        img = mcuboot.parse(image)
        if img.hdr_size != mcuboot.HDR_SIZE:
            return False
        mcuboot.check(img, pub_raw=PUB)
        return True
    except mcuboot.ImageCheckError:
        return False


def test_a_signed_bootloader_is_taken_and_unwrapped():
    r, out = c_check(GOOD)
    assert r == P.BOOT_VERIFIED and out == PAYLOAD


def test_reasons_match_what_the_board_reports():
    other = Ed25519PrivateKey.generate()
    assert c_check(mcuboot.sign(PAYLOAD, 0, "1.0.0", 0, [], other))[0] == P.BOOT_UNKNOWN_KEY
    assert c_check(mcuboot.sign(PAYLOAD, 0, "0.9.9", 0, [], KEY))[0] == P.BOOT_OLDER_VERSION
    bad = bytearray(GOOD)
    bad[0x400 + 10] ^= 1
    assert c_check(bytes(bad))[0] == P.BOOT_BAD_HASH
    bad = bytearray(GOOD)
    bad[-5] ^= 1
    assert c_check(bytes(bad))[0] == P.BOOT_BAD_SIGNATURE
    assert c_check(b"\xff" * 64)[0] == P.BOOT_NO_IMAGE
    assert c_check(GOOD[:-70])[0] == P.BOOT_BAD_TLV
    big = mcuboot.sign(bytes(0x1F000), 0, "1.0.0", 0, [], KEY)   # no room left for the counter log
    assert c_check(big)[0] == P.BOOT_BAD_HEADER


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(1, 255)), min_size=1, max_size=3),
       st.integers(0, len(GOOD)))
def test_damaged_images_get_the_same_verdict_from_the_c_and_the_host(flips, cut):
    bad = bytearray(GOOD)
    for off, x in flips:
        bad[off] ^= x
    bad = bytes(bad[:cut])
    assume(bad != GOOD)     # two flips of one byte can cancel out
    r, _ = c_check(bad)
    assert (r == P.BOOT_VERIFIED) == py_ok(bad)
    assert r != P.BOOT_VERIFIED
