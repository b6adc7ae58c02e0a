"""cffi build script for stm32boot._crypto: SHA-256 and Ed25519 verification (native/sha256.c,
native/ed25519.c over fe25519.c and sc25519.c), the very files the release bootloader links.

Private: Python code goes through stm32boot.crypto.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import build, native_builder  # noqa: E402

MODULE = "stm32boot._crypto"

ffibuilder = native_builder(MODULE, """
typedef struct { uint32_t h[8]; uint64_t total; uint8_t buf[64]; uint32_t fill; } sha256_ctx;
void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
void sha256(const void *data, size_t len, uint8_t out[32]);
#define ED25519_OK ...
#define ED25519_BAD_KEY ...
#define ED25519_BAD_SIG ...
int ed25519_verify(const uint8_t sig[64], const uint8_t pub[32], const void *msg, size_t len);
void ed25519_sha512(const void *parts[], const size_t lens[], unsigned nparts, uint8_t out[64]);
""", ["sha256", "fe25519", "sc25519", "ed25519"], "-O2")

if __name__ == "__main__":
    build(ffibuilder, MODULE)
