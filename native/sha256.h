/* SHA-256 (FIPS 180-4 §6.2), one source for the bootloader and the host (native/ffi_crypto.py).
 * Incremental: sha256_init, sha256_update any number of times, sha256_final. */
#ifndef NATIVE_SHA256_H
#define NATIVE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64

typedef struct {
    uint32_t h[8];
    uint64_t total;          /* bytes fed so far */
    uint8_t buf[SHA256_BLOCK_SIZE];
    uint32_t fill;           /* bytes waiting in buf */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);
/* The compression function alone over `nblocks` whole 64-byte blocks (what a HASH unit would do). */
void sha256_blocks(uint32_t h[8], const uint8_t *p, size_t nblocks);

#endif
