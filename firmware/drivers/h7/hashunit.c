/* SHA-256 on the HASH processor (RM0468 §36): 16 words per 512-bit block through the input FIFO, the
 * next block written while the core works on the previous one (SR.DINIS says the FIFO takes a block),
 * then STR.NBLW + DCAL to pad and finish, digest from HR0..HR7 once SR.DCIS is set. */
#include <string.h>

#include "hashunit.h"
#include "stm32h7/hash_regs.h"
#include "mmio.h"
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"

#define H(off) MMIO32(HASH_BASE, off)

void hash_sha256(const void *data, uint32_t len, uint8_t out[32])
{
    MMIO32(RCC_BASE, RCC_AHB2ENR) |= RCC_AHB2ENR_HASHEN;
    (void)MMIO32(RCC_BASE, RCC_AHB2ENR);
    H(HASH_CR) = HASH_CR_INIT | HASH_ALGO_SHA256 | (HASH_DATATYPE_8BIT << HASH_CR_DATATYPE_Pos);
    const uint8_t *p = data;
    uint32_t words = len / 4u, i = 0;
    while (i < words) {
        while (!(H(HASH_SR) & HASH_SR_DINIS)) {
        }
        uint32_t n = words - i < 16u ? words - i : 16u;
        for (uint32_t k = 0; k < n; k++, i++) {
            uint32_t w;
            memcpy(&w, p + 4u * i, 4);   /* memory order; DATATYPE 8-bit swaps for the core */
            H(HASH_DIN) = w;
        }
    }
    uint32_t tail = len % 4u;
    if (tail) {
        while (!(H(HASH_SR) & HASH_SR_DINIS)) {
        }
        uint32_t w = 0;
        memcpy(&w, p + 4u * words, tail);
        H(HASH_DIN) = w;
    }
    H(HASH_STR) = (tail * 8u) << HASH_STR_NBLW_Pos;
    H(HASH_STR) = ((tail * 8u) << HASH_STR_NBLW_Pos) | HASH_STR_DCAL;
    while (!(H(HASH_SR) & HASH_SR_DCIS)) {
    }
    for (int k = 0; k < 8; k++) {
        uint32_t v = H(HASH_HR0 + 4u * (uint32_t)k);
        out[4 * k] = (uint8_t)(v >> 24);
        out[4 * k + 1] = (uint8_t)(v >> 16);
        out[4 * k + 2] = (uint8_t)(v >> 8);
        out[4 * k + 3] = (uint8_t)v;
    }
}
