/* Arithmetic in GF(2^255 - 19); the representation is in fe25519.h. 2^256 = 38 (mod p) folds every carry
 * out of the top limb back into the bottom one. */
#include <string.h>
#include "fe25519.h"

void fe25519_add(fe25519 *r, const fe25519 *a, const fe25519 *b)
{
    uint64_t c = 0;
    for (int i = 0; i < 8; i++) {
        c += (uint64_t)a->v[i] + b->v[i];
        r->v[i] = (uint32_t)c;
        c >>= 32;
    }
    while (c) {   /* 2^256 = 38: at most twice, the second time the value is tiny */
        c *= 38u;
        for (int i = 0; i < 8 && c; i++) {
            c += r->v[i];
            r->v[i] = (uint32_t)c;
            c >>= 32;
        }
    }
}

void fe25519_sub(fe25519 *r, const fe25519 *a, const fe25519 *b)
{
    int64_t c = 0;
    for (int i = 0; i < 8; i++) {
        c += (int64_t)a->v[i] - b->v[i];
        r->v[i] = (uint32_t)c;
        c >>= 32;   /* arithmetic: 0 or -1 */
    }
    while (c) {   /* wrapped by 2^256 = 38: take 38 off, at most twice */
        c = -38;
        for (int i = 0; i < 8 && c; i++) {
            c += r->v[i];
            r->v[i] = (uint32_t)c;
            c >>= 32;
        }
    }
}

void fe25519_mul(fe25519 *r, const fe25519 *a, const fe25519 *b)
{
    uint32_t t[16] = {0};
    for (int i = 0; i < 8; i++) {
        uint64_t c = 0;
        for (int j = 0; j < 8; j++) {
            c += (uint64_t)a->v[i] * b->v[j] + t[i + j];
            t[i + j] = (uint32_t)c;
            c >>= 32;
        }
        t[i + 8] = (uint32_t)c;
    }
    uint64_t c = 0;
    for (int i = 0; i < 8; i++) {   /* low half + 38 * high half */
        c += (uint64_t)t[i + 8] * 38u + t[i];
        r->v[i] = (uint32_t)c;
        c >>= 32;
    }
    while (c) {
        c *= 38u;
        for (int i = 0; i < 8 && c; i++) {
            c += r->v[i];
            r->v[i] = (uint32_t)c;
            c >>= 32;
        }
    }
}

/* Fully reduced to [0, p). */
void fe25519_freeze(fe25519 *r)
{
    for (int k = 0; k < 2; k++) {   /* r < 2^256 < 3p */
        uint32_t s[8];
        int64_t c = 19;   /* r - p = r + 19 - 2^255 */
        for (int i = 0; i < 8; i++) {
            c += r->v[i];
            s[i] = (uint32_t)c;
            c >>= 32;
        }
        if (s[7] & 0x80000000u) {   /* r + 19 >= 2^255: r >= p */
            s[7] &= 0x7fffffffu;
            memcpy(r->v, s, sizeof s);
        }
    }
}

int fe25519_eq(const fe25519 *a, const fe25519 *b)
{
    fe25519 x = *a, y = *b;
    fe25519_freeze(&x);
    fe25519_freeze(&y);
    return memcmp(x.v, y.v, sizeof x.v) == 0;
}

int fe25519_iszero(const fe25519 *a)
{
    static const fe25519 zero;
    return fe25519_eq(a, &zero);
}

/* a^e for an exponent given as limbs, left to right. */
void fe25519_pow(fe25519 *r, const fe25519 *a, const uint32_t e[8])
{
    fe25519 x = {{1}};
    for (int i = 255; i >= 0; i--) {
        fe25519_sq(&x, &x);
        if (e[i / 32] >> (i % 32) & 1) fe25519_mul(&x, &x, a);
    }
    *r = x;
}

void fe25519_load(fe25519 *r, const uint8_t s[32])
{
    for (int i = 0; i < 8; i++)
        r->v[i] = (uint32_t)s[4 * i] | (uint32_t)s[4 * i + 1] << 8 | (uint32_t)s[4 * i + 2] << 16 |
                  (uint32_t)s[4 * i + 3] << 24;
}

void fe25519_store(uint8_t s[32], const fe25519 *a)
{
    fe25519 x = *a;
    fe25519_freeze(&x);
    for (int i = 0; i < 32; i++) s[i] = (uint8_t)(x.v[i / 4] >> (8 * (i % 4)));
}
