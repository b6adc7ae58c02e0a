/* See blreq.h. Matching follows the bootloader's own resync rule (protocol.h): hunt SYNC0 SYNC1, check
 * nlen == ~len before waiting for the payload, accept only a frame whose CRC-32/MPEG-2 holds. */
#include "blreq.h"

#include <string.h>

#include "crc32.h"
#include "protocol.h"

#define SCB_AIRCR_ADDR 0xE000ED0Cu   /* ARMv7-M ARM B3.2.2 */
#define AIRCR_VECTKEY  0x05FA0000u
#define AIRCR_SYSRESETREQ (1u << 2)

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Drop the first byte and everything up to the next SYNC0 (the hunt restarts after a bad start). */
static void resync(struct blreq *r)
{
    uint8_t i = 1;
    while (i < r->n && r->buf[i] != PROTO_SYNC0) i++;
    memmove(r->buf, r->buf + i, (size_t)(r->n - i));
    r->n = (uint8_t)(r->n - i);
}

int blreq_feed(struct blreq *r, uint8_t c)
{
    if (r->n >= sizeof r->buf) r->n = 0;
    r->buf[r->n++] = c;
    for (;;) {
        if (r->n == 0) return 0;
        if (r->buf[0] != PROTO_SYNC0 || (r->n > 1 && r->buf[1] != PROTO_SYNC1)) { resync(r); continue; }
        if (r->n < PROTO_HDR_SIZE) return 0;
        uint16_t len = rd16(r->buf + 6), nlen = rd16(r->buf + 8);
        uint32_t total = PROTO_HDR_SIZE + (uint32_t)len + PROTO_CRC_SIZE;
        if (r->buf[2] != CMD_HELLO || (r->buf[3] & PROTO_FLAG_REPLY) || (uint16_t)(len ^ nlen) != 0xFFFFu ||
            total > sizeof r->buf) { resync(r); continue; }
        if (r->n < total) return 0;
        const uint8_t *crc = r->buf + total - PROTO_CRC_SIZE;
        uint32_t want = (uint32_t)crc[0] | (uint32_t)crc[1] << 8 | (uint32_t)crc[2] << 16 | (uint32_t)crc[3] << 24;
        if (crc32_mpeg2(0xFFFFFFFFu, r->buf, total - PROTO_CRC_SIZE) != want) { resync(r); continue; }
        r->n = 0;
        return 1;
    }
}

void blreq_enter(uint32_t handoff_addr, uint32_t stay_value)
{
    *(volatile uint32_t *)(uintptr_t)handoff_addr = stay_value;
    __asm volatile("dsb" ::: "memory");
    *(volatile uint32_t *)(uintptr_t)SCB_AIRCR_ADDR = AIRCR_VECTKEY | AIRCR_SYSRESETREQ;
    __asm volatile("dsb" ::: "memory");
    for (;;) {
    }
}
