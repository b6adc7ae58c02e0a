/* SHA-256 per FIPS 180-4: constants §4.2.2, initial value §5.3.3, padding §5.1.1, rounds §6.2.2. */
#include <string.h>
#include "sha256.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define S0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define S1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define s0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define s1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) (((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z) (((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The schedule is kept as a 16-word ring (W[t] only needs W[t-16..t-2]). Eight rounds per loop turn
 * with the working variables renamed instead of shifted: this is the speed-critical loop of a boot. */
#define ROUND(a, b, c, d, e, f, g, h, i) do {                           \
        uint32_t t1_ = h + S1(e) + CH(e, f, g) + K[t + (i)] + w[i];      \
        d += t1_;                                                       \
        h = t1_ + S0(a) + MAJ(a, b, c);                                 \
    } while (0)
#define SCHED(i) (w[(i) & 15] += s1(w[((i) + 14) & 15]) + w[((i) + 9) & 15] + s0(w[((i) + 1) & 15]))

void sha256_blocks(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    while (nblocks--) {
        uint32_t w[16];
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
        for (int i = 0; i < 16; i++) w[i] = be32(p + 4 * i);
        for (int t = 0; t < 64; t += 16) {
            if (t) {
                for (int i = 0; i < 16; i++) SCHED(i);
            }
            ROUND(a, b, c, d, e, f, g, h, 0);  ROUND(h, a, b, c, d, e, f, g, 1);
            ROUND(g, h, a, b, c, d, e, f, 2);  ROUND(f, g, h, a, b, c, d, e, 3);
            ROUND(e, f, g, h, a, b, c, d, 4);  ROUND(d, e, f, g, h, a, b, c, 5);
            ROUND(c, d, e, f, g, h, a, b, 6);  ROUND(b, c, d, e, f, g, h, a, 7);
            ROUND(a, b, c, d, e, f, g, h, 8);  ROUND(h, a, b, c, d, e, f, g, 9);
            ROUND(g, h, a, b, c, d, e, f, 10); ROUND(f, g, h, a, b, c, d, e, 11);
            ROUND(e, f, g, h, a, b, c, d, 12); ROUND(d, e, f, g, h, a, b, c, 13);
            ROUND(c, d, e, f, g, h, a, b, 14); ROUND(b, c, d, e, f, g, h, a, 15);
        }
        st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e; st[5] += f; st[6] += g; st[7] += h;
        p += SHA256_BLOCK_SIZE;
    }
}

void sha256_init(sha256_ctx *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->total = 0;
    c->fill = 0;
}

void sha256_update(sha256_ctx *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    if (c->fill) {
        size_t n = SHA256_BLOCK_SIZE - c->fill < len ? SHA256_BLOCK_SIZE - c->fill : len;
        memcpy(c->buf + c->fill, p, n);
        c->fill += (uint32_t)n;
        p += n;
        len -= n;
        if (c->fill < SHA256_BLOCK_SIZE) return;
        sha256_blocks(c->h, c->buf, 1);
        c->fill = 0;
    }
    sha256_blocks(c->h, p, len / SHA256_BLOCK_SIZE);
    p += len - len % SHA256_BLOCK_SIZE;
    memcpy(c->buf, p, len % SHA256_BLOCK_SIZE);
    c->fill = (uint32_t)(len % SHA256_BLOCK_SIZE);
}

void sha256_final(sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE])
{
    uint64_t bits = c->total * 8u;
    uint8_t pad[SHA256_BLOCK_SIZE + 8] = {0x80};
    size_t n = (c->fill < 56 ? 56 : 120) - c->fill;
    for (int i = 0; i < 8; i++) pad[n + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(c, pad, n + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}

void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE])
{
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, data, len);
    sha256_final(&c, out);
}
