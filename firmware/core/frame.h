/* Frame codec (protocol.h): a receiver that takes the received bytes in runs and fills a pool of frame
 * buffers (so frames keep arriving while the previous one is being programmed), and a frame builder for
 * replies. The pool is the board's (port_frame_pool): its size is the window the bootloader advertises,
 * plus the frame being received. */
#ifndef CORE_FRAME_H
#define CORE_FRAME_H

#include <stdint.h>
#include "protocol.h"

#define FRAME_RAW_SIZE (PROTO_HDR_SIZE + PROTO_MAX_PAYLOAD + PROTO_CRC_SIZE)
#define FRAME_POOL_MAX (PROTO_WINDOW + 1)   /* the largest pool: PROTO_WINDOW queued + one being received */
#define FRAME_POOL_DEFAULT 9                /* a board that gives none: 8 in flight (core default, bl.c) */

struct frame {
    uint8_t pad[2];                 /* puts raw+14 (WRITE data) on a 4-byte boundary */
    uint8_t raw[FRAME_RAW_SIZE];
} __attribute__((aligned(4)));

struct frame_rx {
    struct frame *pool;             /* n buffers (port_frame_pool) */
    uint8_t n;                      /* 2 .. FRAME_POOL_MAX */
    uint8_t state[FRAME_POOL_MAX];  /* FREE / RX / READY */
    uint8_t fifo[FRAME_POOL_MAX];   /* READY frames in arrival order */
    uint8_t head, count;
    uint8_t cur;                    /* buffer being received */
    uint16_t pos;                   /* bytes of the current frame received */
    uint16_t need;                  /* total bytes of the current frame once the header is accepted */
    uint16_t crc_pos;               /* its first crc_pos bytes are in crc (frame.c, CRC_PIECE) */
    uint32_t crc;
    uint8_t rescan[FRAME_RAW_SIZE]; /* bytes to re-feed after a rejected header/frame (resync rule) */
    uint16_t rs_pos, rs_end;
    uint8_t nak_pending;            /* a frame failed its CRC: answer BAD_CRC when idle */
    uint8_t nak_cmd, nak_flags;
    uint16_t nak_seq;
    uint32_t nak_crc;
    uint32_t crc_errors, dropped;   /* statistics */
};

/* Start receiving into `pool` (n buffers, clipped to FRAME_POOL_MAX): up to n - 1 complete frames wait
 * while the next one arrives. */
void frame_rx_init(struct frame_rx *rx, struct frame *pool, unsigned n);
/* Frames the host may have in flight: the buffers that can hold complete frames. */
static inline unsigned frame_rx_window(const struct frame_rx *rx) { return rx->n - 1u; }
/* The next n received bytes (port_uart_peek's run): all are taken (copied into the pool or the rescan area).
 * The header is read byte by byte, the rest of a frame whose length checked out in one copy. */
void frame_rx_feed(struct frame_rx *rx, const uint8_t *p, uint32_t n);
/* The line went quiet in the middle of a frame (a host killed mid-frame): give up on it, rescanning its
 * bytes, so the next HELLO is not swallowed as payload. */
void frame_rx_abandon(struct frame_rx *rx);
/* Bytes still missing from the frame being received (0: none started, any byte may begin one). */
uint32_t frame_rx_missing(const struct frame_rx *rx);
/* Oldest complete frame (header at raw[0]) or NULL; release it with frame_rx_release when handled. */
struct frame *frame_rx_peek(struct frame_rx *rx);
void frame_rx_release(struct frame_rx *rx);

static inline const struct proto_hdr *frame_hdr(const struct frame *f)
{
    return (const struct proto_hdr *)(const void *)f->raw;
}
static inline const uint8_t *frame_payload(const struct frame *f) { return f->raw + PROTO_HDR_SIZE; }

/* Build a frame into out (FRAME_RAW_SIZE bytes): header, then the payload already placed at
 * out + PROTO_HDR_SIZE (len bytes), then the CRC. `idle` (may be NULL) is called between CRC_STEP-byte CRC
 * steps so the receiver keeps up. Returns the frame's total length. */
uint32_t frame_build(uint8_t *out, uint8_t cmd, uint8_t flags, uint16_t seq, uint16_t len, void (*idle)(void));

/* CRC-32/MPEG-2 of n bytes at p, continuing `crc`, in CRC_STEP-byte steps (port_crc: the board's fastest
 * way) with `idle` (may be NULL) called after each, so a long CRC never keeps the receiver from draining
 * the UART: a step takes ~150 us with the table on a 216 MHz core, far less than the 5 ms that fill a
 * 4 KB receive ring at 8 Mbaud. */
#define CRC_STEP 4096u
uint32_t crc32_steps(uint32_t crc, const uint8_t *p, uint32_t n, void (*idle)(void));

#endif
