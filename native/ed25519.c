/* Ed25519 verification, RFC 8032 §5.1, over the field of fe25519.c and the scalars of sc25519.c. Points use
 * extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z, with the complete addition law for a = -1
 * (Hisil-Wong-Carter-Dawson 2008, "Twisted Edwards curves revisited" §3.1), which also doubles.
 * Only public data are handled, so nothing here needs to run in constant time. */
#include <string.h>
#include "ed25519.h"
#include "fe25519.h"
#include "sc25519.h"

typedef struct { fe25519 x, y, z, t; } pt;

/* Curve constants (RFC 8032 §5.1): d = -121665/121666, 2d, sqrt(-1) = 2^((p-1)/4), the base point B. */
static const fe25519 D = {{0x135978a3, 0x75eb4dca, 0x4141d8ab, 0x00700a4d,
    0x7779e898, 0x8cc74079, 0x2b6ffe73, 0x52036cee}};
static const fe25519 D2 = {{0x26b2f159, 0xebd69b94, 0x8283b156, 0x00e0149a,
    0xeef3d130, 0x198e80f2, 0x56dffce7, 0x2406d9dc}};
static const fe25519 SQRTM1 = {{0x4a0ea0b0, 0xc4ee1b27, 0xad2fe478, 0x2f431806,
    0x3dfbd7a7, 0x2b4d0099, 0x4fc1df0b, 0x2b832480}};
static const pt BASE = {
    {{0x8f25d51a, 0xc9562d60, 0x9525a7b2, 0x692cc760, 0xfdd6dc5c, 0xc0a4e231, 0xcd6e53fe, 0x216936d3}},
    {{0x66666658, 0x66666666, 0x66666666, 0x66666666, 0x66666666, 0x66666666, 0x66666666, 0x66666666}},
    {{1, 0, 0, 0, 0, 0, 0, 0}},
    {{0xa5b7dda3, 0x6dde8ab3, 0x775152f5, 0x20f09f80, 0x64abe37d, 0x66ea4e8e, 0xd78b7665, 0x67875f0f}},
};

/* ---- points ---------------------------------------------------------------------------------- */

static void pt_add(pt *r, const pt *p, const pt *q)
{
    fe25519 a, b, c, d, e, f, g, h;
    fe25519_sub(&a, &p->y, &p->x);
    fe25519_sub(&h, &q->y, &q->x);
    fe25519_mul(&a, &a, &h);             /* A = (Y1-X1)(Y2-X2) */
    fe25519_add(&b, &p->y, &p->x);
    fe25519_add(&h, &q->y, &q->x);
    fe25519_mul(&b, &b, &h);             /* B = (Y1+X1)(Y2+X2) */
    fe25519_mul(&c, &p->t, &q->t);
    fe25519_mul(&c, &c, &D2);            /* C = 2d T1 T2 */
    fe25519_mul(&d, &p->z, &q->z);
    fe25519_add(&d, &d, &d);             /* D = 2 Z1 Z2 */
    fe25519_sub(&e, &b, &a);
    fe25519_sub(&f, &d, &c);
    fe25519_add(&g, &d, &c);
    fe25519_add(&h, &b, &a);
    fe25519_mul(&r->x, &e, &f);
    fe25519_mul(&r->y, &g, &h);
    fe25519_mul(&r->t, &e, &h);
    fe25519_mul(&r->z, &f, &g);
}

/* Doubling, a = -1 (same paper §3.3): 4 squarings + 4 multiplications instead of 9 multiplications. */
static void pt_dbl(pt *r, const pt *p)
{
    fe25519 a, b, c, e, g, f, h;
    fe25519_sq(&a, &p->x);
    fe25519_sq(&b, &p->y);
    fe25519_sq(&c, &p->z);
    fe25519_add(&c, &c, &c);             /* C = 2 Z^2 */
    fe25519_add(&h, &a, &b);             /* H = A + B */
    fe25519_add(&e, &p->x, &p->y);
    fe25519_sq(&e, &e);
    fe25519_sub(&e, &h, &e);             /* E = H - (X+Y)^2 */
    fe25519_sub(&g, &a, &b);             /* G = A - B */
    fe25519_add(&f, &c, &g);             /* F = C + G */
    fe25519_mul(&r->x, &e, &f);
    fe25519_mul(&r->y, &g, &h);
    fe25519_mul(&r->t, &e, &h);
    fe25519_mul(&r->z, &f, &g);
}

/* Decode a point (RFC 8032 §5.1.3); 0 when the encoding is not a point. */
static int pt_decode(pt *r, const uint8_t s[32])
{
    static const uint32_t P58[8] = {0xfffffffd, 0xffffffff, 0xffffffff, 0xffffffff,
                                    0xffffffff, 0xffffffff, 0xffffffff, 0x0fffffff};  /* (p-5)/8 */
    uint8_t b[32];
    memcpy(b, s, 32);
    int sign = b[31] >> 7;
    b[31] &= 0x7f;
    fe25519 y, u, v, v3, x, chk, one = {{1}};
    fe25519_load(&y, b);
    uint8_t canon[32];
    fe25519_store(canon, &y);
    if (memcmp(canon, b, 32) != 0) return 0;   /* y >= p */
    fe25519_sq(&u, &y);
    fe25519_mul(&v, &u, &D);
    fe25519_sub(&u, &u, &one);              /* u = y^2 - 1 */
    fe25519_add(&v, &v, &one);              /* v = d y^2 + 1 */
    fe25519_sq(&v3, &v);
    fe25519_mul(&v3, &v3, &v);              /* v^3 */
    fe25519_sq(&x, &v3);
    fe25519_mul(&x, &x, &v);
    fe25519_mul(&x, &x, &u);                /* u v^7 */
    fe25519_pow(&x, &x, P58);
    fe25519_mul(&x, &x, &v3);
    fe25519_mul(&x, &x, &u);                /* x = u v^3 (u v^7)^((p-5)/8) */
    fe25519_sq(&chk, &x);
    fe25519_mul(&chk, &chk, &v);
    if (!fe25519_eq(&chk, &u)) {
        fe25519 neg;
        fe25519_sub(&neg, &(fe25519){{0}}, &u);
        if (!fe25519_eq(&chk, &neg)) return 0;
        fe25519_mul(&x, &x, &SQRTM1);
    }
    uint8_t xb[32];
    fe25519_store(xb, &x);
    if ((xb[0] & 1) != sign) {
        if (fe25519_iszero(&x)) return 0;   /* x = 0 with the sign bit set */
        fe25519_sub(&x, &(fe25519){{0}}, &x);
    }
    r->x = x;
    r->y = y;
    r->z = one;
    fe25519_mul(&r->t, &x, &y);
    return 1;
}

static void pt_encode(uint8_t s[32], const pt *p)
{
    static const uint32_t PM2[8] = {0xffffffeb, 0xffffffff, 0xffffffff, 0xffffffff,
                                    0xffffffff, 0xffffffff, 0xffffffff, 0x7fffffff};  /* p-2 */
    fe25519 zi, x, y;
    fe25519_pow(&zi, &p->z, PM2);
    fe25519_mul(&x, &p->x, &zi);
    fe25519_mul(&y, &p->y, &zi);
    uint8_t xb[32];
    fe25519_store(xb, &x);
    fe25519_store(s, &y);
    s[31] |= (uint8_t)(xb[0] << 7);
}

/* ---- SHA-512 (FIPS 180-4: constants §4.2.3, initial value §5.3.5, rounds §6.4.2) ---------------- */

static const uint64_t K512[80] = {
    0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
    0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
    0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
    0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
    0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
    0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
    0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
    0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
    0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
    0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
    0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
    0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
    0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
    0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
    0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
    0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
    0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
    0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
    0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
    0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

#define R64(x, n) (((x) >> (n)) | ((x) << (64 - (n))))

static void sha512_block(uint64_t h[8], const uint8_t *p)
{
    uint64_t w[80], s[8];
    for (int i = 0; i < 16; i++) {
        w[i] = 0;
        for (int k = 0; k < 8; k++) w[i] = w[i] << 8 | p[8 * i + k];
    }
    for (int i = 16; i < 80; i++) {
        uint64_t a = w[i - 15], b = w[i - 2];
        w[i] = w[i - 16] + (R64(a, 1) ^ R64(a, 8) ^ (a >> 7)) + w[i - 7] + (R64(b, 19) ^ R64(b, 61) ^ (b >> 6));
    }
    memcpy(s, h, sizeof s);
    for (int i = 0; i < 80; i++) {
        uint64_t t1 = s[7] + (R64(s[4], 14) ^ R64(s[4], 18) ^ R64(s[4], 41)) +
                      ((s[4] & s[5]) ^ (~s[4] & s[6])) + K512[i] + w[i];
        uint64_t t2 = (R64(s[0], 28) ^ R64(s[0], 34) ^ R64(s[0], 39)) +
                      ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
        memmove(s + 1, s, 7 * sizeof s[0]);
        s[4] += t1;
        s[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) h[i] += s[i];
}

void ed25519_sha512(const void *parts[], const size_t lens[], unsigned nparts, uint8_t out[64])
{
    uint64_t h[8] = {0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
                     0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};
    uint8_t buf[128];
    size_t fill = 0;
    uint64_t total = 0;
    for (unsigned k = 0; k < nparts; k++) {
        const uint8_t *p = parts[k];
        size_t n = lens[k];
        total += n;
        while (n) {
            size_t take = 128 - fill < n ? 128 - fill : n;
            memcpy(buf + fill, p, take);
            fill += take;
            p += take;
            n -= take;
            if (fill == 128) {
                sha512_block(h, buf);
                fill = 0;
            }
        }
    }
    buf[fill++] = 0x80;   /* §5.1.2: 1 bit, zeros, 128-bit length (ours fits in the low 64) */
    if (fill > 112) {
        memset(buf + fill, 0, 128 - fill);
        sha512_block(h, buf);
        fill = 0;
    }
    memset(buf + fill, 0, 128 - fill);
    for (int i = 0; i < 8; i++) buf[120 + i] = (uint8_t)((total * 8u) >> (56 - 8 * i));
    sha512_block(h, buf);
    for (int i = 0; i < 64; i++) out[i] = (uint8_t)(h[i / 8] >> (56 - 8 * (i % 8)));
}

/* ---- verification (RFC 8032 §5.1.7) ---------------------------------------------------------- */

int ed25519_verify(const uint8_t sig[64], const uint8_t pub[32], const void *msg, size_t len)
{
    pt a, acc;
    if (!pt_decode(&a, pub)) return ED25519_BAD_KEY;
    if (!sc25519_below_order(sig + 32)) return ED25519_BAD_SIG;
    uint8_t h[64];
    const void *parts[3] = {sig, pub, msg};
    const size_t lens[3] = {32, 32, len};
    ed25519_sha512(parts, lens, 3, h);
    uint32_t k[8], s[8];
    sc25519_reduce(k, h);
    for (int i = 0; i < 8; i++)
        s[i] = (uint32_t)sig[32 + 4 * i] | (uint32_t)sig[33 + 4 * i] << 8 | (uint32_t)sig[34 + 4 * i] << 16 |
               (uint32_t)sig[35 + 4 * i] << 24;
    /* R' = [S]B - [k]A by one shared double-and-add pass (Straus); -A = (-x, y, 1, -xy). */
    fe25519_sub(&a.x, &(fe25519){{0}}, &a.x);
    fe25519_sub(&a.t, &(fe25519){{0}}, &a.t);
    memset(&acc, 0, sizeof acc);
    acc.y.v[0] = acc.z.v[0] = 1;   /* neutral element (0, 1) */
    for (int i = 255; i >= 0; i--) {
        pt_dbl(&acc, &acc);
        if (s[i / 32] >> (i % 32) & 1) pt_add(&acc, &acc, &BASE);
        if (k[i / 32] >> (i % 32) & 1) pt_add(&acc, &acc, &a);
    }
    uint8_t r[32];
    pt_encode(r, &acc);
    return memcmp(r, sig, 32) == 0 ? ED25519_OK : ED25519_BAD_SIG;
}
