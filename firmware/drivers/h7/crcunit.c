/* CRC-32/MPEG-2 on the CRC calculation unit (RM0468, CRC chapter): its reset setting is that CRC
 * (32-bit polynomial 0x04C11DB7, no reversal in or out, no final XOR); INIT + CR.RESET continue a running
 * value. A 32-bit store to DR feeds its most significant byte first, so each little-endian word is byte-
 * swapped to feed the bytes in memory order. Only whole aligned words go through the unit; the few bytes
 * before and after them go through the table (native/crc32.c). */
#include "crc32.h"
#include "crcunit.h"
#include "mmio.h"
#include "stm32h7/crc_regs.h"
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"

#define C(off) MMIO32(CRC_BASE, off)

static int ready;

uint32_t crcunit_mpeg2(uint32_t crc, const uint8_t *p, uint32_t n)
{
    uint32_t head = (uint32_t)(-(uintptr_t)p & 3u);
    if (head > n) head = n;
    crc = crc32_mpeg2(crc, p, head);
    p += head;
    n -= head;
    if (n >= 4u) {
        if (!ready) {   /* once: nothing else uses the unit */
            MMIO32(RCC_BASE, RCC_AHB4ENR) |= RCC_AHB4ENR_CRCEN;
            (void)MMIO32(RCC_BASE, RCC_AHB4ENR);
            C(CRC_POL) = 0x04C11DB7u;
            C(CRC_CR) = 0;               /* 32-bit polynomial, no reversal */
            ready = 1;
        }
        C(CRC_INIT) = crc;
        C(CRC_CR) = CRC_CR_RESET;
        const uint32_t *w = (const uint32_t *)(const void *)p;
        for (uint32_t i = n / 4u; i; i--)
            C(CRC_DR) = __builtin_bswap32(*w++);
        crc = C(CRC_DR);
        p = (const uint8_t *)w;
        n &= 3u;
    }
    return crc32_mpeg2(crc, p, n);
}
