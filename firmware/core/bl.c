/* Command dispatch and the sequence rules of protocol.h. One frame is handled at a time; while a flash
 * operation waits, fd_idle() keeps the receiver filling the other buffers.
 *
 * Durability invariant (apprec.h): an application is valid only when its whole session completed.
 * Every ERASE and WRITE first invalidates the application record (apprec_open, once until the next
 * commit); CMD_COMMIT, which the host sends only after verifying every range, writes it last. */
#include <string.h>
#include "apprec.h"
#include "bl.h"
#include "frame.h"
#include "flashdev.h"
#include "port.h"
#include "crc32.h"
#include "verify.h"

#define CACHE 64u
#define GAP_MS 50u   /* silence inside a frame that abandons it (protocol.h resync rule) */   /* recorded replies; >= PROTO_WINDOW so any retransmission in a window is found */

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
    int c, any = 0;
    while ((c = port_uart_getc()) >= 0) {
        frame_rx_feed(&rx, (uint8_t)c);
        any = 1;
    }
    if (any)
        last_rx_ms = port_millis();
    return any;
}

void fd_idle(void) { (void)drain(); }

uint32_t fd_crc_mapped(uint32_t addr, uint32_t len)
{
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t off = 0; off < len; off += 256u) {
        uint32_t n = len - off < 256u ? len - off : 256u;
        c = crc32_mpeg2(c, (const void *)(uintptr_t)(addr + off), n);
        fd_idle();
    }
    return c;
}

void fd_wait(void)
{
    if (!drain())
        port_idle(PORT_WANT_NONE);
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

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The memory holding [addr, addr+len), or NULL; *st says why not (out of range / bootloader). */
static const struct flashdev *find(uint32_t addr, uint32_t len, struct proto_status *st)
{
    unsigned n;
    const struct flashdev *const *mems = port_mems(&n);
    for (unsigned i = 0; i < n; i++) {
        const struct flashdev *d = mems[i];
        if (addr < d->base || addr - d->base >= d->size || len > d->size - (addr - d->base))
            continue;
        if (addr - d->base < d->protected_size) {
            st->status = ST_PROTECTED_BOOTLOADER;
            st->addr = addr;
            st->detail = d->base + d->protected_size;
            return 0;
        }
        return d;
    }
    st->status = ST_ADDR_OUT_OF_RANGE;
    st->addr = addr;
    return 0;
}

static void fail(struct proto_status *st, int status, const struct fd_result *r)
{
    st->status = (uint8_t)status;
    st->addr = r->addr;
    st->detail = r->detail;
}

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
    info.window = PROTO_WINDOW;
    info.n_mems = (uint8_t)(n < PROTO_MAX_MEMS ? n : PROTO_MAX_MEMS);
    name_copy(info.board, port_board_name(), sizeof info.board);
    info.app_committed = (uint8_t)apprec_valid();
    memcpy(reply_data(), &info, sizeof info);   /* the memories: CMD_MEMORY (protocol.h, connecting) */
    st->status = ST_OK;
    return sizeof info;
}

/* CMD_MEMORY: memory `index` as proto_mem + its sector runs. */
static uint16_t do_memory(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    unsigned n;
    const struct flashdev *const *mems = port_mems(&n);
    if (len != sizeof(struct proto_memory_req)) { st->status = ST_BAD_LEN; return 0; }
    if (p[0] >= n || p[0] >= PROTO_MAX_MEMS) { st->status = ST_ADDR_OUT_OF_RANGE; st->detail = n; return 0; }
    const struct flashdev *d = mems[p[0]];
    struct proto_mem m;
    memset(&m, 0, sizeof m);
    name_copy(m.name, d->name, sizeof m.name);
    m.base = d->base;
    m.size = d->size;
    m.protected_size = d->protected_size;
    m.block_size = d->ops->erase_unit ? d->block_size : 0;
    m.program_unit = d->program_unit;
    m.page_size = d->page_size;
    m.erased = d->erased;
    m.kind = d->kind;
    m.n_runs = d->n_runs <= PROTO_MAX_RUNS ? d->n_runs : PROTO_MAX_RUNS;
    m.chip_erase = d->ops->erase_unit && d->chip_erase;
    uint8_t *out = reply_data();
    memcpy(out, &m, sizeof m);
    memcpy(out + sizeof m, d->runs, m.n_runs * sizeof(struct proto_run));
    st->status = ST_OK;
    return (uint16_t)(sizeof m + m.n_runs * sizeof(struct proto_run));
}

/* How many entries from entry i on list address-consecutive sectors of d that together cover exactly
 * `bytes` from the first one's start; 0 when the list stops short. Sectors may differ in size. */
static uint32_t entries_covering(const struct flashdev *d, const uint8_t *p, uint16_t len, uint16_t i,
                                 uint32_t bytes)
{
    uint32_t a = rd32(p + i), covered = 0, n = 0;
    for (uint16_t k = i; k < len && rd32(p + k) == a + covered; k += 4) {
        uint32_t sz = fd_sector_at(d, a + covered);
        if (!sz) break;
        covered += sz;
        n++;
        if (covered >= bytes) return covered == bytes ? n : 0;
    }
    return 0;
}

/* Before the first change after a commit: the application is no longer valid (apprec.h). 0 on failure. */
static int invalidate(struct proto_status *st)
{
    struct fd_result r = { 0, 0 };
    int s = apprec_open(&r);
    if (s != ST_OK) fail(st, s, &r);
    return s == ST_OK;
}

static void do_commit(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len != sizeof(struct proto_commit_req)) { st->status = ST_BAD_LEN; return; }
    struct fd_result r = { 0, 0 };
    int s = apprec_commit(rd32(p), &r);
    if (s != ST_OK) { fail(st, s, &r); return; }
    st->status = ST_OK;
}

static void do_erase(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len % 4 || len == 0 || len / 4 > PROTO_MAX_SECTORS) { st->status = ST_BAD_LEN; return; }
    for (uint16_t i = 0; i < len; i += 4) {  /* check the whole list before erasing anything */
        uint32_t a = rd32(p + i);
        if (a & PROTO_ERASE_WHOLE) {
            const struct flashdev *d = find(a & ~PROTO_ERASE_WHOLE, 1, st);
            if (!d) return;
            if (a != (d->base | PROTO_ERASE_WHOLE) || !d->chip_erase || !d->ops->erase_unit || d->protected_size) {
                st->status = ST_ALIGN; st->addr = a; return;
            }
            continue;
        }
        const struct flashdev *d = find(a, 1, st);
        if (!d) return;
        if (!fd_sector_at(d, a)) { st->status = ST_ALIGN; st->addr = a; return; }
    }
    if (!invalidate(st)) return;
    for (uint16_t i = 0; i < len; ) {
        uint32_t a = rd32(p + i), step = 4;
        const struct flashdev *d = find(a & ~PROTO_ERASE_WHOLE, 1, st);
        struct fd_result r = { a & ~PROTO_ERASE_WHOLE, 0 };
        int s;
        uint32_t block = 0;
        if (!(a & PROTO_ERASE_WHOLE) && d->ops->erase_unit && d->block_size > fd_sector_at(d, a) &&
            (a - d->base) % d->block_size == 0)
            block = entries_covering(d, p, len, i, d->block_size);
        if (a & PROTO_ERASE_WHOLE) {
            s = d->ops->erase_unit(d, d->base, d->size, &r);
        } else if (block) {   /* the listed sectors fill the block exactly: one block command */
            s = d->ops->erase_unit(d, a, d->block_size, &r);
            step = block * 4u;
        } else {
            s = d->ops->erase(d, a, &r);
        }
        if (s != ST_OK) { fail(st, s, &r); return; }
        i = (uint16_t)(i + step);
    }
    st->status = ST_OK;
}

static void do_write(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len <= sizeof(struct proto_write_req) || len - sizeof(struct proto_write_req) > PROTO_MAX_DATA) {
        st->status = ST_BAD_LEN;
        return;
    }
    uint32_t a = rd32(p), n = len - sizeof(struct proto_write_req);
    const struct flashdev *d = find(a, n, st);
    if (!d) return;
    if ((a - d->base) % d->program_unit || n % d->program_unit) { st->status = ST_ALIGN; st->addr = a; return; }
    if (!invalidate(st)) return;
    struct fd_result r = { a, 0 };
    int s = d->ops->program(d, a, p + sizeof(struct proto_write_req), n, &r);
    if (s != ST_OK) { fail(st, s, &r); return; }
    st->status = ST_OK;
}

static uint16_t do_read(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len != sizeof(struct proto_read_req)) { st->status = ST_BAD_LEN; return 0; }
    if (vb_release()) { st->status = ST_REFUSED; return 0; }   /* it would leak the protected application */
    uint32_t a = rd32(p), n = rd32(p + 4);
    if (n > PROTO_MAX_DATA) { st->status = ST_BAD_LEN; st->detail = PROTO_MAX_DATA; return 0; }
    unsigned nm;
    const struct flashdev *const *mems = port_mems(&nm);
    const struct flashdev *d = 0;
    for (unsigned i = 0; i < nm; i++)   /* reads may include the bootloader's own sector */
        if (a >= mems[i]->base && a - mems[i]->base < mems[i]->size && n <= mems[i]->size - (a - mems[i]->base))
            d = mems[i];
    if (!d) { st->status = ST_ADDR_OUT_OF_RANGE; st->addr = a; return 0; }
    struct fd_result r = { a, 0 };
    int s = d->ops->read(d, a, reply_data(), n, &r);
    if (s != ST_OK) { fail(st, s, &r); return 0; }
    st->status = ST_OK;
    return (uint16_t)n;
}

static uint16_t do_crc(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len % 8 || len == 0 || len / 8 > PROTO_MAX_RANGES) { st->status = ST_BAD_LEN; return 0; }
    uint8_t *out = reply_data();
    unsigned nm;
    const struct flashdev *const *mems = port_mems(&nm);
    for (uint16_t i = 0; i < len; i += 8) {
        uint32_t a = rd32(p + i), n = rd32(p + i + 4), c = 0;
        const struct flashdev *d = 0;
        for (unsigned k = 0; k < nm; k++)
            if (a >= mems[k]->base && a - mems[k]->base < mems[k]->size && n <= mems[k]->size - (a - mems[k]->base))
                d = mems[k];
        if (!d) { st->status = ST_ADDR_OUT_OF_RANGE; st->addr = a; return 0; }
        if (vb_release() && (n == 0 || !fd_sector_at(d, a) ||
                             (a + n != d->base + d->size && !fd_sector_at(d, a + n)))) {
            st->status = ST_REFUSED;   /* the CRC of a few bytes would reveal them: whole sectors only */
            st->addr = a;
            st->detail = fd_sector_at(d, a);
            return 0;
        }
        struct fd_result r = { a, 0 };
        int s = d->ops->crc(d, a, n, &c, &r);
        if (s != ST_OK) { fail(st, s, &r); return 0; }
        memcpy(out + i / 2, &c, 4);
    }
    st->status = ST_OK;
    return (uint16_t)(len / 2);
}

static void do_stage(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    uint32_t size;
    uint8_t *stage = port_stage(&size);
    if (!stage) { st->status = ST_BAD_CMD; return; }
    if (len <= sizeof(struct proto_write_req)) { st->status = ST_BAD_LEN; return; }
    uint32_t off = rd32(p), n = len - sizeof(struct proto_write_req);
    if (off > size || n > size - off) { st->status = ST_ADDR_OUT_OF_RANGE; st->addr = off; st->detail = size; return; }
    memcpy(stage + off, p + sizeof(struct proto_write_req), n);
    st->status = ST_OK;
}

/* Returns 1 when the update may start (after the reply left); *out_len: the bytes to write. */
static int check_update(const uint8_t *p, uint16_t len, struct proto_status *st, uint32_t *out_len)
{
    uint32_t size;
    const uint8_t *stage = port_stage(&size);
    if (!stage) { st->status = ST_BAD_CMD; return 0; }
    if (len != sizeof(struct proto_update_req)) { st->status = ST_BAD_LEN; return 0; }
    uint32_t n = rd32(p), want = rd32(p + 4), got = 0xFFFFFFFFu;
    if (n == 0 || n > size) { st->status = ST_BAD_IMAGE; st->detail = size; return 0; }
    for (uint32_t off = 0; off < n; off += 256u) {
        got = crc32_mpeg2(got, stage + off, n - off < 256u ? n - off : 256u);
        fd_idle();
    }
    if (got != want) { st->status = ST_BAD_IMAGE; st->detail = got; return 0; }
    int vb = vb_check_update((uint8_t *)stage, &n, size);   /* release: signed, same key, not older */
    if (vb != BOOT_VERIFIED) { st->status = ST_BAD_IMAGE; st->addr = 0; st->detail = (uint32_t)vb; return 0; }
    *out_len = n;
    st->status = (uint8_t)port_check_bootloader(stage, n);
    return st->status == ST_OK;
}

static void record(uint16_t seq, const struct proto_status *st)
{
    struct cached *c = &cache[seq % CACHE];
    c->seq = seq;
    c->valid = 1;
    c->st = *st;
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

    if (cmd == CMD_HELLO) {  /* (re)starts the session */
        memset(cache, 0, sizeof cache);
        session = 1;
        expected = (uint16_t)(seq + 1);
        baud_trial.active = 0;
        uint16_t extra = do_hello(p, len, &st);
        record(seq, &st);
        reply(cmd, 0, seq, &st, extra);
        return;
    }
    if (!session) { session = 1; expected = seq; }
    uint16_t ahead = (uint16_t)(seq - expected);
    if (ahead != 0) {
        uint16_t behind = (uint16_t)(expected - seq);
        const struct cached *c = &cache[seq % CACHE];
        if (ahead < 0x8000u || behind > CACHE || !c->valid || c->seq != seq) {
            st.status = ST_SEQ_ERROR;
            st.detail = expected;
            reply(cmd, 0, seq, &st, 0);
            return;
        }
        if (cmd == CMD_READ || cmd == CMD_CRC || cmd == CMD_MEMORY) {  /* change nothing: run again for the data */
            uint16_t extra = cmd == CMD_READ ? do_read(p, len, &st) : cmd == CMD_CRC ? do_crc(p, len, &st)
                                                                                      : do_memory(p, len, &st);
            reply(cmd, PROTO_FLAG_DUP, seq, &st, st.status == ST_OK ? extra : 0);
            return;
        }
        reply(cmd, PROTO_FLAG_DUP, seq, &c->st, 0);  /* never applied twice */
        return;
    }
    expected++;
    applied++;
    uint16_t extra = 0;
    switch (cmd) {
    case CMD_ERASE: do_erase(p, len, &st); break;
    case CMD_WRITE: do_write(p, len, &st); break;
    case CMD_READ: extra = do_read(p, len, &st); break;
    case CMD_CRC: extra = do_crc(p, len, &st); break;
    case CMD_MEMORY: extra = do_memory(p, len, &st); break;
    case CMD_SET_BAUD: {
        if (len != sizeof(struct proto_baud_req)) { st.status = ST_BAD_LEN; break; }
        uint32_t want = rd32(p), win = rd32(p + 4), old = port_uart_baud();
        record(seq, &st);
        reply(cmd, 0, seq, &st, 0);        /* acknowledged at the old rate */
        port_uart_flush();
        if (!port_uart_set_baud(want)) {   /* unreachable: stay; the host's HELLO at `want` fails */
            port_uart_set_baud(old);
            return;
        }
        baud_trial.active = 1;
        baud_trial.old_baud = old;
        baud_trial.deadline = port_millis() + (win ? win : PROTO_BAUD_WINDOW_MS);
        return;
    }
    case CMD_STAGE: do_stage(p, len, &st); break;
    case CMD_COMMIT: do_commit(p, len, &st); break;
    case CMD_UPDATE_BL: {
        uint32_t n = 0;
        if (check_update(p, len, &st, &n)) {
            record(seq, &st);
            reply(cmd, 0, seq, &st, 0);
            port_uart_flush();
            port_update_bootloader(n);   /* does not return on a board */
            return;
        }
        break;
    }
    case CMD_BOOT_STATUS:
        vb_status((struct proto_boot_status *)(void *)reply_data());
        extra = sizeof(struct proto_boot_status);
        break;
    case CMD_RESET: {
        uint32_t flags = len >= 4 ? rd32(p) : PROTO_RESET_RUN_APP;
        record(seq, &st);
        reply(cmd, 0, seq, &st, 0);
        port_uart_flush();
        port_reset((int)(flags & PROTO_RESET_RUN_APP));
        return;
    }
    default: st.status = ST_BAD_CMD; break;
    }
    if (st.status != ST_OK) extra = 0;
    record(seq, &st);
    reply(cmd, 0, seq, &st, extra);
}

void bl_init(void)
{
    frame_rx_init(&rx);
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
    if (!drain() && !frame_rx_peek(&rx) && !rx.nak_pending)
        port_idle(frame_rx_missing(&rx));   /* nothing to do: wait (see fd_wait) */
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
