/* CRC-32/MPEG-2 for host and firmware (see crc32.h).
 *
 * Maths used throughout: bits are polynomial coefficients over GF(2), the first message bit is
 * the highest power. With P = x^32 + 0x04C11DB7, the state after a message M of n bytes started
 * from `init` is (init * x^(8n) + M * x^32) mod P. Everything below is linear in that sense:
 * tables hold b * x^(32+8k) mod P, and the carry-less fold keeps a 128-bit value congruent to the
 * message prefix mod P.
 */
#include "crc32.h"

/* x^(32+i) mod P for i = 0..7: a byte b's table entry is the XOR of those its set bits select
 * (b * x^32 mod P is linear in b). Checked below against one shift-and-reduce step each. */
#define C0 0x04C11DB7u
#define C1 0x09823B6Eu
#define C2 0x130476DCu
#define C3 0x2608EDB8u
#define C4 0x4C11DB70u
#define C5 0x9823B6E0u
#define C6 0x34867077u
#define C7 0x690CE0EEu
#define MULX(c) ((uint32_t)((c) << 1) ^ ((0u - ((c) >> 31)) & CRC32_MPEG2_POLY))
_Static_assert(C1 == MULX(C0) && C2 == MULX(C1) && C3 == MULX(C2) && C4 == MULX(C3) &&
               C5 == MULX(C4) && C6 == MULX(C5) && C7 == MULX(C6), "x^(32+i) mod P constants");

#define BIT(b, i, c) ((((uint32_t)(b) >> (i)) & 1u) * (c))
#define T(b) (BIT(b, 0, C0) ^ BIT(b, 1, C1) ^ BIT(b, 2, C2) ^ BIT(b, 3, C3) ^ \
              BIT(b, 4, C4) ^ BIT(b, 5, C5) ^ BIT(b, 6, C6) ^ BIT(b, 7, C7))
#define R4(b) T(b), T((b) + 1), T((b) + 2), T((b) + 3)
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)

/* Bytewise table, computed by the compiler: 1 KB of const data (flash on the target). */
static const uint32_t crc_t0[256] = {R64(0), R64(64), R64(128), R64(192)};

static uint32_t crc_bytewise(uint32_t crc, const uint8_t *p, size_t len)
{
    while (len--)
        crc = (crc << 8) ^ crc_t0[(crc >> 24) ^ *p++];
    return crc;
}

#if defined(__arm__) && !defined(__linux__)

/* Bare-metal target (the Cortex-M7 firmware): small and simple; the chip's CRC unit does bulk work. */
uint32_t crc32_mpeg2_table(uint32_t crc, const void *data, size_t len)
{
    return crc_bytewise(crc, (const uint8_t *)data, len);
}

uint32_t crc32_mpeg2(uint32_t crc, const void *data, size_t len)
{
    return crc_bytewise(crc, (const uint8_t *)data, len);
}

#else /* host */

/* crc_tk[k][b] = b * x^(32+8k) mod P: byte b followed by k zero bytes. Filled once at load. */
static uint32_t crc_tk[16][256];

#if defined(__x86_64__)
static void clmul_init(void);
#endif

__attribute__((constructor)) static void crc32_init(void)
{
    for (int b = 0; b < 256; b++) {
        uint32_t c = crc_t0[b];
        crc_tk[0][b] = c;
        for (int k = 1; k < 16; k++) {
            c = (c << 8) ^ crc_t0[c >> 24];
            crc_tk[k][b] = c;
        }
    }
#if defined(__x86_64__)
    clmul_init();
#endif
}

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t crc32_mpeg2_table(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    const uint32_t (*t)[256] = (const uint32_t (*)[256])crc_tk;
    for (; len >= 16; len -= 16, p += 16) {
        /* Byte j of the block is followed by 15-j more bytes: table 15-j. */
        uint32_t a = be32(p) ^ crc, b = be32(p + 4), c = be32(p + 8), d = be32(p + 12);
        crc = t[15][a >> 24] ^ t[14][(a >> 16) & 255] ^ t[13][(a >> 8) & 255] ^ t[12][a & 255] ^
              t[11][b >> 24] ^ t[10][(b >> 16) & 255] ^ t[9][(b >> 8) & 255] ^ t[8][b & 255] ^
              t[7][c >> 24] ^ t[6][(c >> 16) & 255] ^ t[5][(c >> 8) & 255] ^ t[4][c & 255] ^
              t[3][d >> 24] ^ t[2][(d >> 16) & 255] ^ t[1][(d >> 8) & 255] ^ t[0][d & 255];
    }
    return crc_bytewise(crc, p, len);
}

#if !defined(__x86_64__)

uint32_t crc32_mpeg2(uint32_t crc, const void *data, size_t len)
{
    return crc32_mpeg2_table(crc, data, len);
}

#else /* x86-64 host: carry-less multiply when the CPU has it */

#include <immintrin.h>

static int crc_clmul_ok;

/* Fold constants: multiplying the high/low 64-bit halves of a 128-bit value by x^(d+64) and
 * x^d (mod P) moves it d bits further along the message. */
struct fold { uint64_t hi, lo; };
static struct fold fold512, fold384, fold256, fold128;

static uint32_t xpow_mod(unsigned n)
{
    uint32_t r = 1;
    while (n--)
        r = MULX(r);
    return r;
}

static struct fold make_fold(unsigned d)
{
    struct fold f = {xpow_mod(d + 64), xpow_mod(d)};
    return f;
}

static void clmul_init(void)
{
    fold512 = make_fold(512);
    fold384 = make_fold(384);
    fold256 = make_fold(256);
    fold128 = make_fold(128);
    __builtin_cpu_init();
    crc_clmul_ok = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

int crc32_mpeg2_has_clmul(void)
{
    return crc_clmul_ok;
}

#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

CLMUL_TARGET static inline __m128i bswap128(__m128i v)
{
    return _mm_shuffle_epi8(v, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

/* Load 16 bytes so the first message byte lands in bits 127..120 (highest power first). */
CLMUL_TARGET static inline __m128i load_be128(const uint8_t *p)
{
    return bswap128(_mm_loadu_si128((const __m128i *)p));
}

/* x * x^d mod P, left unreduced below 2^95: hi*x^(d+64) + lo*x^d with 32-bit constants. */
CLMUL_TARGET static inline __m128i fold(__m128i x, __m128i k)
{
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x11), _mm_clmulepi64_si128(x, k, 0x00));
}

CLMUL_TARGET static inline __m128i kreg(struct fold f)
{
    return _mm_set_epi64x((long long)f.hi, (long long)f.lo);
}

/* Four independent 128-bit accumulators hide the multiply latency; 64 bytes per round. */
CLMUL_TARGET uint32_t crc32_mpeg2_clmul(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    if (len < 64)
        return crc32_mpeg2_table(crc, p, len);
    /* The running CRC enters as an XOR onto the first 32 message bits (the init term above). */
    __m128i x0 = _mm_xor_si128(load_be128(p), _mm_set_epi32((int)crc, 0, 0, 0));
    __m128i x1 = load_be128(p + 16), x2 = load_be128(p + 32), x3 = load_be128(p + 48);
    p += 64;
    len -= 64;
    const __m128i k512 = kreg(fold512);
    for (; len >= 64; len -= 64, p += 64) {
        x0 = _mm_xor_si128(fold(x0, k512), load_be128(p));
        x1 = _mm_xor_si128(fold(x1, k512), load_be128(p + 16));
        x2 = _mm_xor_si128(fold(x2, k512), load_be128(p + 32));
        x3 = _mm_xor_si128(fold(x3, k512), load_be128(p + 48));
    }
    const __m128i k128 = kreg(fold128);
    __m128i x = _mm_xor_si128(_mm_xor_si128(fold(x0, kreg(fold384)), fold(x1, kreg(fold256))),
                              _mm_xor_si128(fold(x2, k128), x3));
    for (; len >= 16; len -= 16, p += 16)
        x = _mm_xor_si128(fold(x, k128), load_be128(p));
    /* x is congruent to the prefix; the state is x * x^32 mod P, i.e. the CRC from 0 of x's
     * 16 bytes written highest first. Then the tail. */
    uint8_t be[16];
    _mm_storeu_si128((__m128i *)be, bswap128(x));
    crc = crc32_mpeg2_table(0, be, 16);
    return crc_bytewise(crc, p, len);
}

uint32_t crc32_mpeg2(uint32_t crc, const void *data, size_t len)
{
    if (crc_clmul_ok && len >= 64)
        return crc32_mpeg2_clmul(crc, data, len);
    return crc32_mpeg2_table(crc, data, len);
}

#endif /* x86-64 */
#endif /* host */
