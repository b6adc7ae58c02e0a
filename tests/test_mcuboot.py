"""host mcuboot.py: what sign() writes parses back to what went in, and any damage (a changed byte,
a truncation) ends in ImageCheckError with a reason, never in another exception."""
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings, strategies as st

from stm32boot import crypto, mcuboot

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def _pub():
    from cryptography.hazmat.primitives import serialization
    return KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


PAYLOAD = bytes(range(256)) * 3
NOR = [(0x90000000, b"\x5a" * 300), (0x90010000, b"nor" * 7)]
IMAGE = mcuboot.sign(PAYLOAD, 0x08020000, "2.3.4+5", 9, NOR, KEY)


def test_sign_then_parse_gives_back_every_field():
    img = mcuboot.parse(IMAGE, 0x08020000)
    assert img.payload == PAYLOAD and img.version_str == "2.3.4+5" and img.security_counter == 9
    assert img.nor_ranges == [(a, len(d), crypto.sha256(d)) for a, d in NOR]
    assert img.keyhash == mcuboot.key_hash(_pub()) and img.digest() == img.sha256
    mcuboot.check(img, pub_raw=_pub(), nor_reader=lambda a, n: dict(NOR).get(a), min_counter=9)
    changed = {a: d[:-1] + b"!" for a, d in NOR}
    with pytest.raises(mcuboot.ImageCheckError, match="NOR range 0x90000000..0x9000012B altered"):
        mcuboot.check(img, nor_reader=lambda a, n: changed.get(a))
    with pytest.raises(mcuboot.ImageCheckError, match="rollback from 10 to 9"):
        mcuboot.check(img, pub_raw=_pub(), min_counter=10)


@pytest.mark.parametrize("text", ["1.2.3.4", "x", "256.0.0", "1.2.3+-1", "1.2.70000"])
def test_bad_versions_are_refused_with_the_form_to_use(text):
    with pytest.raises(mcuboot.ImageCheckError, match="version"):
        mcuboot.parse_version(text)
    assert mcuboot.parse_version("1.2") == (1, 2, 0, 0)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(IMAGE) - 1), st.integers(1, 255))
def test_any_changed_byte_is_refused(off, x):
    bad = bytearray(IMAGE)
    bad[off] ^= x
    with pytest.raises(mcuboot.ImageCheckError):
        mcuboot.check(mcuboot.parse(bytes(bad)), pub_raw=_pub())


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(IMAGE) - 1))
def test_any_truncation_is_refused(n):
    with pytest.raises(mcuboot.ImageCheckError):
        mcuboot.check(mcuboot.parse(IMAGE[:n]), pub_raw=_pub())
