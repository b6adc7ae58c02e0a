/* Frame receiver and builder; the wire rules are in protocol.h. */
#include <string.h>
#include "frame.h"
#include "crc32.h"
#include "le.h"
#include "port.h"

enum { B_FREE, B_RX, B_READY };

void frame_rx_init(struct frame_rx *rx, struct frame *pool, unsigned n)
{
    rx->pool = pool;
    rx->n = (uint8_t)(n < FRAME_POOL_MAX ? n : FRAME_POOL_MAX);
    memset(rx->state, B_FREE, sizeof rx->state);
    rx->head = rx->count = 0;
    rx->cur = 0;
    rx->state[0] = B_RX;
    rx->pos = rx->need = 0;
    rx->rs_pos = rx->rs_end = 0;
    rx->nak_pending = 0;
    rx->crc_errors = rx->dropped = 0;
}

/* Reject what was gathered so far: its bytes after the first SYNC0 are fed again, so a real frame that
 * started inside the rejected one is still found. Unread rescan bytes stay queued behind them. */
static void reject(struct frame_rx *rx)
{
    uint8_t *raw = rx->pool[rx->cur].raw;
    uint16_t n = rx->pos, tail = (uint16_t)(rx->rs_end - rx->rs_pos);
    /* New rescan = raw[1..n) followed by the unread tail. The tail came later in the stream, and
     * n - 1 + tail never exceeds the buffer (those n bytes were taken from the rescan area). */
    memmove(rx->rescan + (n - 1), rx->rescan + rx->rs_pos, tail);
    memcpy(rx->rescan, raw + 1, n - 1u);
    rx->rs_pos = 0;
    rx->rs_end = (uint16_t)(n - 1 + tail);
    rx->pos = rx->need = 0;
}

static void complete(struct frame_rx *rx)
{
    uint8_t next = rx->n;
    for (uint8_t i = 0; i < rx->n; i++)
        if (rx->state[i] == B_FREE) { next = i; break; }
    rx->pos = rx->need = 0;
    if (next == rx->n) {   /* host exceeded the window: drop, it will retransmit */
        rx->dropped++;
        return;
    }
    rx->state[rx->cur] = B_READY;
    rx->fifo[(rx->head + rx->count) % rx->n] = rx->cur;
    rx->count++;
    rx->cur = next;
    rx->state[next] = B_RX;
}

/* The frame's CRC follows its bytes as they come, by the board's fastest CRC (port_crc) over the frame in
 * place, in pieces of CRC_PIECE bytes or more: few calls (each costs a CRC unit a few register accesses)
 * and at most a piece left when the last byte comes, so the frame is answered soon after it (a piece takes
 * ~40 us by table on a 216 MHz core). The DMA ring keeps receiving meanwhile (4 KB: 5 ms at 8 Mbaud). */
#define CRC_PIECE 1024u

static void crc_upto(struct frame_rx *rx, uint16_t end)
{
    rx->crc = port_crc(rx->crc, rx->pool[rx->cur].raw + rx->crc_pos, (uint32_t)(end - rx->crc_pos));
    rx->crc_pos = end;
}

static void finish(struct frame_rx *rx)
{
    const uint8_t *raw = rx->pool[rx->cur].raw;
    uint16_t body = (uint16_t)(rx->need - PROTO_CRC_SIZE);
    uint32_t got = rd32(raw + body);
    crc_upto(rx, body);
    if (rx->crc != got) {
        rx->crc_errors++;
        rx->nak_pending = 1;
        rx->nak_cmd = raw[2];
        rx->nak_flags = raw[3];
        rx->nak_seq = rd16(raw + 4);
        rx->nak_crc = got;
        reject(rx);
        return;
    }
    complete(rx);
}

/* Take the first bytes of a run of n > 0 at p that the current state wants and return their count (0 when
 * the byte at p ends a false start and must be looked at again): everything up to and including a SYNC0
 * while hunting, SYNC1 alone, then the rest of the header, then (its length checked) the rest of the frame
 * at once. A complete header or frame is judged by settle(), after the caller has accounted for them. */
static uint32_t take(struct frame_rx *rx, const uint8_t *p, uint32_t n)
{
    uint8_t *raw = rx->pool[rx->cur].raw;
    uint32_t k;
    if (rx->pos == 0) {
        const uint8_t *s = memchr(p, PROTO_SYNC0, n);
        if (!s) return n;
        raw[rx->pos++] = PROTO_SYNC0;
        return (uint32_t)(s - p) + 1u;
    }
    if (rx->pos == 1) {
        if (*p != PROTO_SYNC1) { rx->pos = 0; return 0; }   /* that byte may itself be a SYNC0 */
        raw[rx->pos++] = PROTO_SYNC1;
        return 1;
    }
    k = (uint32_t)((rx->pos < PROTO_HDR_SIZE ? PROTO_HDR_SIZE : rx->need) - rx->pos);
    if (k > n) k = n;
    memcpy(raw + rx->pos, p, k);
    rx->pos = (uint16_t)(rx->pos + k);
    return k;
}

static void settle(struct frame_rx *rx)
{
    if (rx->pos == PROTO_HDR_SIZE && !rx->need) {
        const uint8_t *raw = rx->pool[rx->cur].raw;
        uint16_t len = rd16(raw + 6), nlen = rd16(raw + 8);
        if ((uint16_t)(len ^ nlen) != 0xFFFFu || len > PROTO_MAX_PAYLOAD) { reject(rx); return; }
        rx->need = (uint16_t)(PROTO_HDR_SIZE + len + PROTO_CRC_SIZE);
        rx->crc = 0xFFFFFFFFu;
        rx->crc_pos = 0;
    } else if (rx->need && rx->pos == rx->need) {
        finish(rx);
    } else if (rx->need && (uint32_t)(rx->pos - rx->crc_pos) >= CRC_PIECE) {
        uint16_t body = (uint16_t)(rx->need - PROTO_CRC_SIZE);
        crc_upto(rx, rx->pos < body ? rx->pos : body);
    }
}

/* Bytes a rejection put back come before any later byte of the stream. reject() rewrites the rescan area
 * from rs_pos, so what was taken from it is counted before settle() may reject again. */
static void rescan(struct frame_rx *rx)
{
    while (rx->rs_pos < rx->rs_end) {
        uint32_t k = take(rx, rx->rescan + rx->rs_pos, (uint32_t)(rx->rs_end - rx->rs_pos));
        rx->rs_pos = (uint16_t)(rx->rs_pos + k);
        settle(rx);
    }
}

void frame_rx_feed(struct frame_rx *rx, const uint8_t *p, uint32_t n)
{
    while (n) {
        uint32_t k = take(rx, p, n);
        p += k;
        n -= k;
        settle(rx);
        rescan(rx);
    }
}

void frame_rx_abandon(struct frame_rx *rx)
{
    if (rx->pos == 0) return;
    reject(rx);
    rescan(rx);
}

uint32_t frame_rx_missing(const struct frame_rx *rx)
{
    if (rx->pos == 0) return 0;
    return rx->need ? (uint32_t)(rx->need - rx->pos) : (uint32_t)(PROTO_HDR_SIZE - rx->pos);
}

struct frame *frame_rx_peek(struct frame_rx *rx)
{
    return rx->count ? &rx->pool[rx->fifo[rx->head]] : 0;
}

void frame_rx_release(struct frame_rx *rx)
{
    if (!rx->count) return;
    rx->state[rx->fifo[rx->head]] = B_FREE;
    rx->head = (uint8_t)((rx->head + 1) % rx->n);
    rx->count--;
}

uint32_t frame_build(uint8_t *out, uint8_t cmd, uint8_t flags, uint16_t seq, uint16_t len, void (*idle)(void))
{
    out[0] = PROTO_SYNC0;
    out[1] = PROTO_SYNC1;
    out[2] = cmd;
    out[3] = flags;
    out[4] = (uint8_t)seq;
    out[5] = (uint8_t)(seq >> 8);
    out[6] = (uint8_t)len;
    out[7] = (uint8_t)(len >> 8);
    out[8] = (uint8_t)~len;
    out[9] = (uint8_t)(~len >> 8);
    uint32_t n = PROTO_HDR_SIZE + (uint32_t)len;
    uint32_t c = crc32_steps(0xFFFFFFFFu, out, n, idle);
    out[n] = (uint8_t)c;
    out[n + 1] = (uint8_t)(c >> 8);
    out[n + 2] = (uint8_t)(c >> 16);
    out[n + 3] = (uint8_t)(c >> 24);
    return n + PROTO_CRC_SIZE;
}

/* Boards without a faster way: the table (native/crc32.c). */
__attribute__((weak)) uint32_t port_crc(uint32_t crc, const uint8_t *p, uint32_t n)
{
    return crc32_mpeg2(crc, p, n);
}

uint32_t crc32_steps(uint32_t crc, const uint8_t *p, uint32_t n, void (*idle)(void))
{
    for (uint32_t off = 0; off < n; off += CRC_STEP) {
        crc = port_crc(crc, p + off, n - off < CRC_STEP ? n - off : CRC_STEP);
        if (idle) idle();
    }
    return crc;
}
