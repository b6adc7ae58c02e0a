"""SHA-256 and Ed25519 verification in C (native/sha256.c, native/ed25519.c): published vectors
(FIPS 180-4 examples, RFC 8032 §7.1) and, with hypothesis, agreement with `cryptography`/hashlib."""
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings, strategies as st

from stm32boot import crypto

# FIPS 180-4 / NIST CSRC "SHA256.pdf" example values.
SHA256_VECTORS = [
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    (b"a" * 1_000_000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
]
SHA512_ABC = ("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")

# RFC 8032 §7.1 TEST 1, 2, 3: (secret, public, message, signature).
RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
     "d25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c"
     "387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc659"
     "4a7c15e9716ed28dc027beceea1ec40a"),
]
L = 2**252 + 27742317777372353535851937790883648493


def _raw_pub(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.mark.parametrize("msg,digest", SHA256_VECTORS, ids=["abc", "empty", "448bit", "million-a"])
def test_sha256_fips_vectors(msg, digest):
    assert crypto.sha256(msg).hex() == digest
    h = crypto.Sha256()
    for i in range(0, len(msg), 777):    # the incremental path, odd chunk sizes
        h.update(msg[i:i + 777])
    assert h.digest().hex() == digest


def test_sha512_fips_vector():
    assert crypto.sha512(b"abc").hex() == SHA512_ABC


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.lists(st.integers(1, 200), max_size=6))
def test_sha_agree_with_hashlib(data, cuts):
    assert crypto.sha256(data) == hashlib.sha256(data).digest()
    assert crypto.sha512(data) == hashlib.sha512(data).digest()
    h, pos = crypto.Sha256(), 0
    for c in cuts:
        h.update(data[pos:pos + c])
        pos += c
    h.update(data[pos:])
    assert h.digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("secret,public,msg,sig", RFC8032, ids=["test1", "test2", "test3"])
def test_ed25519_rfc8032_vectors(secret, public, msg, sig):
    sig, pub, msg = bytes.fromhex(sig), bytes.fromhex(public), bytes.fromhex(msg)
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    assert _raw_pub(key) == pub and key.sign(msg) == sig     # the vectors are the RFC's, not a typo
    assert crypto.ed25519_verify(sig, pub, msg)
    assert not crypto.ed25519_verify(sig, pub, msg + b"\0")
    for i in (0, 31, 32, 63):
        bad = bytearray(sig)
        bad[i] ^= 0x10
        assert not crypto.ed25519_verify(bytes(bad), pub, msg)


def test_ed25519_rejects_s_not_below_order_and_bad_keys():
    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    msg = b"m"
    sig = key.sign(msg)
    s = int.from_bytes(sig[32:], "little")
    malleable = sig[:32] + (s + L).to_bytes(32, "little")   # same point equation, S >= L (RFC 8032 §5.1.7)
    assert crypto.ed25519_verify(sig, _raw_pub(key), msg)
    assert not crypto.ed25519_verify(malleable, _raw_pub(key), msg)
    not_canonical = (2**255 - 19 + 1).to_bytes(32, "little")  # y >= p
    assert not crypto.ed25519_verify(sig, not_canonical, msg)


@settings(max_examples=120, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=300), st.integers(0, 64 * 8 - 1),
       st.integers(0, 1))
def test_ed25519_agrees_with_cryptography(seed, msg, bit, where):
    key = Ed25519PrivateKey.from_private_bytes(seed)
    pub, sig = _raw_pub(key), key.sign(msg)
    assert crypto.ed25519_verify(sig, pub, msg)
    if where == 0:   # one flipped bit in the signature
        bad = bytearray(sig)
        bad[bit // 8] ^= 1 << (bit % 8)
        bad_sig, bad_msg = bytes(bad), msg
    else:            # or one flipped bit in the message
        m = bytearray(msg + b"x")
        m[bit // 8 % len(m)] ^= 1 << (bit % 8)
        bad_sig, bad_msg = sig, bytes(m)
    try:
        key.public_key().verify(bad_sig, bad_msg)
        theirs = True
    except Exception:
        theirs = False
    assert crypto.ed25519_verify(bad_sig, pub, bad_msg) == theirs


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32), st.binary(max_size=64))
def test_ed25519_wrong_key_refused(seed1, seed2, msg):
    k1, k2 = Ed25519PrivateKey.from_private_bytes(seed1), Ed25519PrivateKey.from_private_bytes(seed2)
    if _raw_pub(k1) == _raw_pub(k2):
        return
    assert not crypto.ed25519_verify(k1.sign(msg), _raw_pub(k2), msg)
