/* Scalars modulo the order L of Ed25519's base point (RFC 8032 §5.1), as 8 little-endian 32-bit limbs. */
#ifndef NATIVE_SC25519_H
#define NATIVE_SC25519_H

#include <stdint.h>

void sc25519_reduce(uint32_t r[8], const uint8_t h[64]);   /* r = h (512-bit little-endian) mod L */
int sc25519_below_order(const uint8_t s[32]);             /* 1 when s (little-endian) < L */

#endif
