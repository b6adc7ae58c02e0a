/* Ed25519 signature verification (RFC 8032 §5.1.7, "PureEdDSA", cofactorless), one source for the
 * bootloader and the host (native/ffi_crypto.py). Verification only: signing happens on the host. */
#ifndef NATIVE_ED25519_H
#define NATIVE_ED25519_H

#include <stddef.h>
#include <stdint.h>

#define ED25519_OK          0
#define ED25519_BAD_KEY     1   /* the public key does not decode to a curve point (§5.1.3) */
#define ED25519_BAD_SIG     2   /* S >= L, or [S]B != R + [k]A */

/* ED25519_OK when sig (R || S, 64 bytes) is pub's signature of msg. */
int ed25519_verify(const uint8_t sig[64], const uint8_t pub[32], const void *msg, size_t len);

/* SHA-512 (FIPS 180-4 §6.4), which Ed25519 is defined with; exposed for tests. */
void ed25519_sha512(const void *parts[], const size_t lens[], unsigned nparts, uint8_t out[64]);

#endif
