/* The H7's CRC calculation unit (regs/stm32h7/crc_regs.h) computing CRC-32/MPEG-2 (native/crc32.h) over
 * memory the CPU can read: one word per store instead of a table step per byte. */
#ifndef DRIVERS_H7_CRCUNIT_H
#define DRIVERS_H7_CRCUNIT_H

#include <stdint.h>

/* CRC-32/MPEG-2 of n bytes at p continuing `crc` (== crc32_mpeg2(crc, p, n)). The unit is clocked and set
 * up on the first call; nothing else may use it (or change its setting) meanwhile. */
uint32_t crcunit_mpeg2(uint32_t crc, const uint8_t *p, uint32_t n);

#endif
