/* Little-endian field readers for wire payloads (protocol.h: every field is little-endian). Bytes, not a
 * cast: payload fields need not be aligned. */
#ifndef CORE_LE_H
#define CORE_LE_H

#include <stdint.h>

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }

#endif
