/* Arithmetic in the field GF(p), p = 2^255 - 19, that Ed25519 is defined over (RFC 8032 §5.1). An
 * element is eight 32-bit little-endian limbs holding any value below 2^256, reduced only when frozen
 * or encoded. Public data only: nothing here runs in constant time. */
#ifndef NATIVE_FE25519_H
#define NATIVE_FE25519_H

#include <stdint.h>

typedef struct { uint32_t v[8]; } fe25519;

void fe25519_add(fe25519 *r, const fe25519 *a, const fe25519 *b);
void fe25519_sub(fe25519 *r, const fe25519 *a, const fe25519 *b);
void fe25519_mul(fe25519 *r, const fe25519 *a, const fe25519 *b);
static inline void fe25519_sq(fe25519 *r, const fe25519 *a) { fe25519_mul(r, a, a); }
void fe25519_pow(fe25519 *r, const fe25519 *a, const uint32_t e[8]);   /* a^e, e as 8 limbs */
void fe25519_freeze(fe25519 *r);                 /* fully reduced, to [0, p) */
int fe25519_eq(const fe25519 *a, const fe25519 *b);
int fe25519_iszero(const fe25519 *a);
void fe25519_load(fe25519 *r, const uint8_t s[32]);   /* 32 little-endian bytes, taken as they are */
void fe25519_store(uint8_t s[32], const fe25519 *a);  /* the canonical encoding (frozen) */

#endif
