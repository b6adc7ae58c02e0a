/* CRC-32/MPEG-2: the STM32 CRC unit's default CRC (poly 0x04C11DB7, init 0xFFFFFFFF, MSB first,
 * no reflection, no final xor; check("123456789") = 0x0376E6E7).
 *
 * One source for host and firmware, so the two can never disagree. Byte-stream CRC: this equals
 * the CRC unit fed bytes (or 32-bit words with REV_IN=byte), not fed raw little-endian words
 * (RM0468, CRC chapter, CRC_CR.REV_IN; docs/performance.md).
 */
#ifndef NATIVE_CRC32_H
#define NATIVE_CRC32_H

#include <stddef.h>
#include <stdint.h>

#define CRC32_MPEG2_INIT 0xFFFFFFFFu
#define CRC32_MPEG2_POLY 0x04C11DB7u

/* Running CRC: crc32_mpeg2(crc32_mpeg2(CRC32_MPEG2_INIT, a, na), b, nb) == CRC of a then b.
 * Fastest path the CPU offers (carry-less multiply on x86-64 when present). */
uint32_t crc32_mpeg2(uint32_t crc, const void *data, size_t len);

/* Table-driven path only (slice-by-16 on the host, a 1 KB bytewise table on the target).
 * Exposed so tests can prove every path computes the same value. */
uint32_t crc32_mpeg2_table(uint32_t crc, const void *data, size_t len);

#if defined(__x86_64__)
/* Nonzero when this CPU has PCLMULQDQ + SSE4.1 and crc32_mpeg2 uses them. */
int crc32_mpeg2_has_clmul(void);
/* Carry-less-multiply folding path; only valid when crc32_mpeg2_has_clmul(). */
uint32_t crc32_mpeg2_clmul(uint32_t crc, const void *data, size_t len);
#endif

#endif
