/* The session: frames in, replies out, the sequence rules of protocol.h, HELLO, baud rate changes and
 * reset; the memory commands are memcmd.c's, self-update update.c's. One frame is handled at a time;
 * while a flash operation waits, fd_idle() keeps the receiver filling the other buffers. */
#include <string.h>
#include "apprec.h"
#include "bl.h"
#include "devq.h"
#include "frame.h"
#include "flashdev.h"
#include "le.h"
#include "memcmd.h"
#include "port.h"
#include "update.h"
#include "verify.h"
#include "zwrite.h"

#define CACHE 64u    /* recorded replies; >= PROTO_WINDOW so any retransmission in a window is found */
_Static_assert(CACHE >= PROTO_WINDOW, "a retransmission inside the window must find its recorded reply");
#define GAP_MS 50u   /* silence inside a frame that abandons it (protocol.h resync rule) */

struct cached { uint16_t seq; uint8_t valid; struct proto_status st; };

static struct frame_rx rx;
static uint8_t tx[FRAME_RAW_SIZE] __attribute__((aligned(4)));
static struct cached cache[CACHE];
static uint16_t expected;
static uint8_t session, seen;
static uint8_t echo;   /* the request's PROTO_FLAG_TRY_MASK bits, returned in its reply */
static uint32_t applied, last_rx_ms;
static struct { uint8_t active; uint32_t old_baud, deadline; } baud_trial;

/* ---- verified boot: development defaults (verify.h). The release bootloader links core/verify.c,
 * whose strong definitions replace these. */
__attribute__((weak)) int vb_boot_ok(uint32_t slot, uint32_t size) { (void)slot; (void)size; return 1; }
__attribute__((weak)) int vb_release(void) { return 0; }
__attribute__((weak)) int vb_check_update(uint8_t *stage, uint32_t *len, uint32_t stage_size)
{
    (void)stage; (void)len; (void)stage_size;
    return BOOT_VERIFIED;
}
__attribute__((weak)) void vb_status(struct proto_boot_status *out)
{
    memset(out, 0, sizeof *out);
    out->reason = BOOT_DEVELOPMENT;
}

static int drain(void)
{
    int any = 0;
    /* What came since the last look: a DMA ring gives it in up to two runs, to its end and from its start.
     * No third look in this call (it would find little and cost a register access); the callers come back. */
    for (int run = 0; run < 2; run++) {
        uint32_t n;
        const uint8_t *p = port_uart_peek(&n);
        if (!n) break;
        frame_rx_feed(&rx, p, n);
        port_uart_consume(n);
        any = 1;
    }
    if (any)
        last_rx_ms = port_millis();
    return any;
}

/* Boards that give no pool of their own: the protocol's first window, in the core's RAM. */
__attribute__((weak)) struct frame *port_frame_pool(unsigned *n)
{
    static struct frame pool[FRAME_POOL_DEFAULT];
    *n = FRAME_POOL_DEFAULT;
    return pool;
}

void fd_idle(void)
{
    (void)drain();
    devq_run();
}

uint32_t fd_crc_mapped(uint32_t addr, uint32_t len)
{
    return crc32_steps(0xFFFFFFFFu, (const uint8_t *)(uintptr_t)addr, len, fd_idle);
}

int fd_mapped_read(const struct flashdev *d, uint32_t addr, uint8_t *out, uint32_t len, struct fd_result *r)
{
    int s = d->ops->map ? d->ops->map(d, addr, r) : ST_OK;
    if (s == ST_OK) memcpy(out, (const void *)(uintptr_t)addr, len);
    return s;
}

int fd_mapped_crc(const struct flashdev *d, uint32_t addr, uint32_t len, uint32_t *crc, struct fd_result *r)
{
    int s = d->ops->map ? d->ops->map(d, addr, r) : ST_OK;
    if (s == ST_OK) *crc = fd_crc_mapped(addr, len);
    return s;
}

static int waited(const struct flashdev *d, int s, struct fd_result *r)
{
    while (s == ST_OK && (s = d->ops->poll(d, r)) == FD_BUSY)
        fd_wait();
    return s;
}

int fd_erase_waited(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    return waited(d, d->ops->erase_start(d, addr, r), r);
}

int fd_program_waited(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                      struct fd_result *r)
{
    for (uint32_t off = 0, taken = 0; off < len; off += taken) {
        int s = waited(d, d->ops->program_start(d, addr + off, data + off, len - off, &taken, r), r);
        if (s != ST_OK) return s;
    }
    return ST_OK;
}

void fd_wait(void)
{
    devq_run();
    if (!drain())
        port_idle(PORT_WANT_NONE);   /* no frame is handled before the device is done: keep the ring drained */
}

static void send(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        while (!port_uart_putc(tx[i]))
            fd_wait();
}

/* Fixed-width, NUL-padded name field (may fill the field without a terminator). */
static void name_copy(char *dst, const char *src, unsigned n)
{
    unsigned i = 0;
    for (; i < n && src[i]; i++) dst[i] = src[i];
    for (; i < n; i++) dst[i] = 0;
}

/* Reply = status (+ `extra` bytes the handler already placed after it). */
static void reply(uint8_t cmd, uint8_t flags, uint16_t seq, const struct proto_status *st, uint16_t extra)
{
    memcpy(tx + PROTO_HDR_SIZE, st, sizeof *st);
    send(frame_build(tx, cmd, (uint8_t)(flags | PROTO_FLAG_REPLY | echo), seq,
                     (uint16_t)(sizeof *st + extra), fd_idle));
}

static uint8_t *reply_data(void) { return tx + PROTO_HDR_SIZE + sizeof(struct proto_status); }

static uint16_t do_hello(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    (void)p; (void)len;
    unsigned n;
    (void)port_mems(&n);
    struct proto_info info;
    memset(&info, 0, sizeof info);
    info.proto_version = PROTO_VERSION;
    info.bl_version = BL_VERSION;
    info.chip_id = port_chip_id();
    info.baud = port_uart_baud();
    info.max_baud = port_uart_max_baud();
    info.max_payload = PROTO_MAX_PAYLOAD;
    info.window = (uint8_t)frame_rx_window(&rx);
    info.n_mems = (uint8_t)(n < PROTO_MAX_MEMS ? n : PROTO_MAX_MEMS);
    name_copy(info.board, port_board_name(), sizeof info.board);
    info.app_committed = (uint8_t)apprec_valid();
    info.caps = PROTO_CAP_WRITE_Z;
    memcpy(reply_data(), &info, sizeof info);   /* the memories: CMD_MEMORY (protocol.h, connecting) */
    st->status = ST_OK;
    return sizeof info;
}

static void record(uint16_t seq, const struct proto_status *st)
{
    struct cached *c = &cache[seq % CACHE];
    c->seq = seq;
    c->valid = 1;
    c->st = *st;
}

/* Answer the request just applied; its status is kept for a retransmission of it. */
static void answer(uint8_t cmd, uint16_t seq, const struct proto_status *st, uint16_t extra)
{
    record(seq, st);
    reply(cmd, 0, seq, st, extra);
}

/* CMD_HELLO (re)starts the session: the next expected seq follows the HELLO's. */
static void start_session(const uint8_t *p, uint16_t len, uint16_t seq, struct proto_status *st)
{
    memset(cache, 0, sizeof cache);
    session = 1;
    expected = (uint16_t)(seq + 1);
    baud_trial.active = 0;
    uint16_t extra = do_hello(p, len, st);
    answer(CMD_HELLO, seq, st, extra);
}

/* Requests that change nothing: their reply data (-1 for any other command). Run again for a repeated
 * seq, so a lost answer comes back with its data. */
static int query(uint8_t cmd, const uint8_t *p, uint16_t len, struct proto_status *st)
{
    switch (cmd) {
    case CMD_READ: return memcmd_read(p, len, st, reply_data());
    case CMD_CRC: return memcmd_crc(p, len, st, reply_data());
    case CMD_MEMORY: return memcmd_memory(p, len, st, reply_data());
    case CMD_BOOT_STATUS:
        vb_status((struct proto_boot_status *)(void *)reply_data());
        return sizeof(struct proto_boot_status);
    default: return -1;
    }
}

/* A request that is not the expected one: a retransmission of one recently applied gets its reply again,
 * never the command applied twice (requests that change nothing, query(), run again for their data);
 * anything else is a sequence error naming the expected seq. */
static void answer_repeat(uint8_t cmd, uint16_t seq, const uint8_t *p, uint16_t len, struct proto_status *st)
{
    uint16_t ahead = (uint16_t)(seq - expected), behind = (uint16_t)(expected - seq);
    const struct cached *c = &cache[seq % CACHE];
    if (ahead < 0x8000u || behind > CACHE || !c->valid || c->seq != seq) {
        st->status = ST_SEQ_ERROR;
        st->detail = expected;
        reply(cmd, 0, seq, st, 0);
        return;
    }
    int extra = query(cmd, p, len, st);
    if (extra >= 0) { reply(cmd, PROTO_FLAG_DUP, seq, st, st->status == ST_OK ? (uint16_t)extra : 0); return; }
    reply(cmd, PROTO_FLAG_DUP, seq, &c->st, 0);
}

/* CMD_SET_BAUD: acknowledged at the old rate, then the new rate is on trial until a HELLO arrives at it
 * (bl_poll falls back to the old rate when none comes in the window). */
static void set_baud(uint16_t seq, const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len != sizeof(struct proto_baud_req)) { st->status = ST_BAD_LEN; answer(CMD_SET_BAUD, seq, st, 0); return; }
    uint32_t want = rd32(p), win = rd32(p + 4), old = port_uart_baud();
    answer(CMD_SET_BAUD, seq, st, 0);
    port_uart_flush();
    if (!port_uart_set_baud(want)) {   /* unreachable: stay; the host's HELLO at `want` fails */
        port_uart_set_baud(old);
        return;
    }
    baud_trial.active = 1;
    baud_trial.old_baud = old;
    baud_trial.deadline = port_millis() + (win ? win : PROTO_BAUD_WINDOW_MS);
}

/* CMD_UPDATE_BL: the staged image is checked, the reply leaves, then the board rewrites our sector. */
static void update_bl(uint16_t seq, const uint8_t *p, uint16_t len, struct proto_status *st)
{
    uint32_t n = 0;
    int ok = update_check(p, len, st, &n);
    answer(CMD_UPDATE_BL, seq, st, 0);
    if (!ok) return;
    port_uart_flush();
    port_update_bootloader(n);   /* does not return on a board */
}

/* CMD_RESET: the reply leaves before the reset. */
static void reset(uint16_t seq, const uint8_t *p, uint16_t len, struct proto_status *st)
{
    uint32_t flags = len >= 4 ? rd32(p) : PROTO_RESET_RUN_APP;
    answer(CMD_RESET, seq, st, 0);
    port_uart_flush();
    port_reset((int)(flags & PROTO_RESET_RUN_APP));
}

/* The expected request: applied once, then answered. */
static void apply(uint8_t cmd, uint16_t seq, const uint8_t *p, uint16_t len, struct proto_status *st)
{
    uint16_t extra = 0;
    expected++;
    applied++;
    if (cmd != CMD_ERASE && cmd != CMD_WRITE && cmd != CMD_WRITE_Z)   /* WRITE_Z queues like WRITE */
        devq_flush();   /* everything answered before is done before this request looks (devq.h) */
    if (devq_failed(st)) {   /* a queued operation failed: this request is not applied */
        answer(cmd, seq, st, 0);
        return;
    }
    switch (cmd) {
    case CMD_ERASE: memcmd_erase(p, len, st); break;
    case CMD_WRITE: memcmd_write(p, len, st); break;
    case CMD_WRITE_Z: zwrite(p, len, st); break;
    case CMD_READ: case CMD_CRC: case CMD_MEMORY: case CMD_BOOT_STATUS: extra = (uint16_t)query(cmd, p, len, st); break;
    case CMD_COMMIT: memcmd_commit(p, len, st); break;
    case CMD_STAGE: update_stage(p, len, st); break;
    case CMD_SET_BAUD: set_baud(seq, p, len, st); return;
    case CMD_UPDATE_BL: update_bl(seq, p, len, st); return;
    case CMD_RESET: reset(seq, p, len, st); return;
    default: st->status = ST_BAD_CMD; break;
    }
    answer(cmd, seq, st, st->status == ST_OK ? extra : 0);
}

static void handle(const struct frame *f)
{
    const struct proto_hdr *h = frame_hdr(f);
    const uint8_t *p = frame_payload(f);
    uint16_t seq = h->seq, len = h->len;
    uint8_t cmd = h->cmd;
    struct proto_status st = { ST_OK, cmd, 0, 0, 0 };
    seen = 1;
    if (h->flags & PROTO_FLAG_REPLY) return;  /* our own echo or noise: never act on a reply */
    echo = h->flags & PROTO_FLAG_TRY_MASK;
    if (cmd == CMD_HELLO) { start_session(p, len, seq, &st); return; }
    if (!session) { session = 1; expected = seq; }
    if (seq != expected) answer_repeat(cmd, seq, p, len, &st);
    else apply(cmd, seq, p, len, &st);
}

void bl_init(void)
{
    unsigned n;
    struct frame *pool = port_frame_pool(&n);
    frame_rx_init(&rx, pool, n);
    memset(cache, 0, sizeof cache);
    session = seen = 0;
    expected = 0;
    applied = 0;
    baud_trial.active = 0;
    apprec_reset();
}

int bl_app_committed(void) { return apprec_valid(); }

void bl_poll(void)
{
    devq_run();
    if (!drain() && !frame_rx_peek(&rx) && !rx.nak_pending)   /* nothing to do: wait (see fd_wait) */
        port_idle(frame_rx_missing(&rx) | (devq_busy() ? PORT_WANT_BUSY : 0u));   /* a queued device may end first */
    if (port_millis() - last_rx_ms > GAP_MS)
        frame_rx_abandon(&rx);
    if (rx.nak_pending) {  /* tell the host early; its go-back recovers the frame */
        struct proto_status st = { ST_BAD_CRC, rx.nak_cmd, 0, 0, rx.nak_crc };
        rx.nak_pending = 0;
        echo = rx.nak_flags & PROTO_FLAG_TRY_MASK;
        reply(rx.nak_cmd, 0, rx.nak_seq, &st, 0);
    }
    if (baud_trial.active && (int32_t)(port_millis() - baud_trial.deadline) > 0) {
        baud_trial.active = 0;  /* no HELLO at the new rate: fall back so the host can retry */
        port_uart_set_baud(baud_trial.old_baud);
    }
    struct frame *f = frame_rx_peek(&rx);
    if (f) {
        handle(f);
        frame_rx_release(&rx);
    }
}

int bl_host_seen(void) { return seen; }

void bl_stats(uint32_t out[3])
{
    out[0] = rx.crc_errors;
    out[1] = rx.dropped;
    out[2] = applied;
}
