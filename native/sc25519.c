/* Scalars modulo the group order L of Ed25519 (RFC 8032 §5.1): reduction of a hash and the range check
 * of S. */
#include <string.h>
#include "sc25519.h"

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian limbs. */
static const uint32_t ORDER[8] = {0x5cf5d3ed, 0x5812631a, 0xa2f79cd6, 0x14def9de, 0, 0, 0, 0x10000000};

/* r = (64-byte little-endian number) mod L, by binary long division: 512 shift-and-subtract steps. */
void sc25519_reduce(uint32_t r[8], const uint8_t h[64])
{
    memset(r, 0, 8 * sizeof r[0]);
    for (int i = 511; i >= 0; i--) {
        for (int k = 7; k > 0; k--) r[k] = r[k] << 1 | r[k - 1] >> 31;   /* r < L < 2^253: no overflow */
        r[0] = r[0] << 1 | ((h[i / 8] >> (i % 8)) & 1u);
        int ge = 1;
        for (int k = 7; k >= 0; k--)
            if (r[k] != ORDER[k]) { ge = r[k] > ORDER[k]; break; }
        if (ge) {
            int64_t c = 0;
            for (int k = 0; k < 8; k++) {
                c += (int64_t)r[k] - ORDER[k];
                r[k] = (uint32_t)c;
                c >>= 32;
            }
        }
    }
}

int sc25519_below_order(const uint8_t s[32])
{
    for (int i = 31; i >= 0; i--) {
        uint8_t l = (uint8_t)(ORDER[i / 4] >> (8 * (i % 4)));
        if (s[i] != l) return s[i] < l;
    }
    return 0;
}
