"""SHA-256 and Ed25519 verification in C (native/sha256.c, native/ed25519.c): the code the release
bootloader runs, compiled for the host, so the host checks an image exactly as the board will.

    sha256(data) -> bytes                    32-byte digest
    Sha256()  .update(data) .digest()        incremental
    ed25519_verify(sig, pub, msg) -> bool    RFC 8032 PureEdDSA
"""
from __future__ import annotations

try:
    from ._crypto import ffi, lib
except ImportError as exc:  # pragma: no cover - depends on the build state
    raise ImportError("stm32boot's crypto module is not built: run `./dev native` "
                      "(or `doit native` in the activated venv)") from exc


def _buf(data):
    return ffi.from_buffer(data if not isinstance(data, memoryview) else data.cast("B"))


def sha256(data) -> bytes:
    out = ffi.new("uint8_t[32]")
    lib.sha256(_buf(data), len(data) if not isinstance(data, memoryview) else data.nbytes, out)
    return bytes(out)


class Sha256:
    def __init__(self):
        self._c = ffi.new("sha256_ctx *")
        lib.sha256_init(self._c)

    def update(self, data) -> "Sha256":
        n = data.nbytes if isinstance(data, memoryview) else len(data)
        lib.sha256_update(self._c, _buf(data), n)
        return self

    def digest(self) -> bytes:
        c = ffi.new("sha256_ctx *")
        ffi.memmove(c, self._c, ffi.sizeof("sha256_ctx"))   # digest() leaves the running state usable
        out = ffi.new("uint8_t[32]")
        lib.sha256_final(c, out)
        return bytes(out)


def sha512(data: bytes) -> bytes:
    """SHA-512 (the hash inside Ed25519), for tests."""
    keep = ffi.from_buffer(data)
    parts = ffi.new("void *[1]", [keep])
    lens = ffi.new("size_t[1]", [len(data)])
    out = ffi.new("uint8_t[64]")
    lib.ed25519_sha512(parts, lens, 1, out)
    return bytes(out)


def ed25519_verify(sig: bytes, pub: bytes, msg) -> bool:
    if len(sig) != 64 or len(pub) != 32:
        return False
    return lib.ed25519_verify(sig, pub, _buf(msg), len(msg)) == lib.ED25519_OK
