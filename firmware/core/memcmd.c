/* ERASE, WRITE, READ, CRC and COMMIT (memcmd.h) over the board's memories (port_mems).
 *
 * Durability invariant (apprec.h): an application is valid only when its whole session completed.
 * Every ERASE and WRITE first invalidates the application record (apprec_open, once until the next
 * commit); CMD_COMMIT, which the host sends only after verifying every range, writes it last. */
#include <string.h>
#include "apprec.h"
#include "flashdev.h"
#include "le.h"
#include "memcmd.h"
#include "port.h"
#include "verify.h"

/* The memory holding all of [addr, addr+len), or NULL. */
static const struct flashdev *holding(uint32_t addr, uint32_t len)
{
    unsigned n;
    const struct flashdev *const *mems = port_mems(&n);
    for (unsigned i = 0; i < n; i++) {
        const struct flashdev *d = mems[i];
        if (addr >= d->base && addr - d->base < d->size && len <= d->size - (addr - d->base))
            return d;
    }
    return 0;
}

/* The memory holding [addr, addr+len) for reading (the bootloader's own sector included), or NULL with
 * *st saying so. */
static const struct flashdev *find_readable(uint32_t addr, uint32_t len, struct proto_status *st)
{
    const struct flashdev *d = holding(addr, len);
    if (!d) { st->status = ST_ADDR_OUT_OF_RANGE; st->addr = addr; }
    return d;
}

/* The memory holding [addr, addr+len) for a change, or NULL; *st says why not (out of range / bootloader). */
static const struct flashdev *find(uint32_t addr, uint32_t len, struct proto_status *st)
{
    const struct flashdev *d = find_readable(addr, len, st);
    if (d && addr - d->base < d->protected_size) {
        st->status = ST_PROTECTED_BOOTLOADER;
        st->addr = addr;
        st->detail = d->base + d->protected_size;
        return 0;
    }
    return d;
}

static void fail(struct proto_status *st, int status, const struct fd_result *r)
{
    st->status = (uint8_t)status;
    st->addr = r->addr;
    st->detail = r->detail;
}

/* Sectors listed from entry i on that are consecutive in address (and in one memory). */
static uint32_t run_length(const uint8_t *p, uint16_t len, uint16_t i, uint32_t sector)
{
    uint32_t n = 1, a = rd32(p + i);
    for (uint16_t k = (uint16_t)(i + 4u); k < len && rd32(p + k) == a + n * sector; k += 4)
        n++;
    return n;
}

/* Before the first change after a commit: the application is no longer valid (apprec.h). 0 on failure. */
static int invalidate(struct proto_status *st)
{
    struct fd_result r = { 0, 0 };
    int s = apprec_open(&r);
    if (s != ST_OK) fail(st, s, &r);
    return s == ST_OK;
}

void memcmd_commit(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len != sizeof(struct proto_commit_req)) { st->status = ST_BAD_LEN; return; }
    struct fd_result r = { 0, 0 };
    int s = apprec_commit(rd32(p), &r);
    if (s != ST_OK) { fail(st, s, &r); return; }
    st->status = ST_OK;
}

/* The whole ERASE list is valid (in range, not protected, aligned) before anything is erased. */
static int erase_list_ok(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    for (uint16_t i = 0; i < len; i += 4) {
        uint32_t a = rd32(p + i);
        if (a & PROTO_ERASE_WHOLE) {
            const struct flashdev *d = find(a & ~PROTO_ERASE_WHOLE, 1, st);
            if (!d) return 0;
            if (a != (d->base | PROTO_ERASE_WHOLE) || !d->chip_erase || !d->ops->erase_unit || d->protected_size) {
                st->status = ST_ALIGN; st->addr = a; return 0;
            }
            continue;
        }
        const struct flashdev *d = find(a, 1, st);
        if (!d) return 0;
        if ((a - d->base) % d->sector_size) { st->status = ST_ALIGN; st->addr = a; return 0; }
    }
    return 1;
}

void memcmd_erase(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len % 4 || len == 0 || len / 4 > PROTO_MAX_SECTORS) { st->status = ST_BAD_LEN; return; }
    if (!erase_list_ok(p, len, st)) return;
    if (!invalidate(st)) return;
    for (uint16_t i = 0; i < len; ) {
        uint32_t a = rd32(p + i), step = 4;
        const struct flashdev *d = find(a & ~PROTO_ERASE_WHOLE, 1, st);
        struct fd_result r = { a & ~PROTO_ERASE_WHOLE, 0 };
        int s;
        if (a & PROTO_ERASE_WHOLE) {
            s = d->ops->erase_unit(d, d->base, d->size, &r);
        } else if (d->ops->erase_unit && d->block_size > d->sector_size && (a - d->base) % d->block_size == 0 &&
                   run_length(p, len, i, d->sector_size) * d->sector_size >= d->block_size) {
            s = d->ops->erase_unit(d, a, d->block_size, &r);
            step = d->block_size / d->sector_size * 4u;
        } else {
            s = d->ops->erase(d, a, &r);
        }
        if (s != ST_OK) { fail(st, s, &r); return; }
        i = (uint16_t)(i + step);
    }
    st->status = ST_OK;
}

void memcmd_write(const uint8_t *p, uint16_t len, struct proto_status *st)
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

uint16_t memcmd_read(const uint8_t *p, uint16_t len, struct proto_status *st, uint8_t *out)
{
    if (len != sizeof(struct proto_read_req)) { st->status = ST_BAD_LEN; return 0; }
    if (vb_release()) { st->status = ST_REFUSED; return 0; }   /* it would leak the protected application */
    uint32_t a = rd32(p), n = rd32(p + 4);
    if (n > PROTO_MAX_DATA) { st->status = ST_BAD_LEN; st->detail = PROTO_MAX_DATA; return 0; }
    const struct flashdev *d = find_readable(a, n, st);
    if (!d) return 0;
    struct fd_result r = { a, 0 };
    int s = d->ops->read(d, a, out, n, &r);
    if (s != ST_OK) { fail(st, s, &r); return 0; }
    st->status = ST_OK;
    return (uint16_t)n;
}

uint16_t memcmd_crc(const uint8_t *p, uint16_t len, struct proto_status *st, uint8_t *out)
{
    if (len % 8 || len == 0 || len / 8 > PROTO_MAX_RANGES) { st->status = ST_BAD_LEN; return 0; }
    for (uint16_t i = 0; i < len; i += 8) {
        uint32_t a = rd32(p + i), n = rd32(p + i + 4), c = 0;
        const struct flashdev *d = find_readable(a, n, st);
        if (!d) return 0;
        if (vb_release() && (n == 0 || (a - d->base) % d->sector_size || n % d->sector_size)) {
            st->status = ST_REFUSED;   /* the CRC of a few bytes would reveal them: whole sectors only */
            st->addr = a;
            st->detail = d->sector_size;
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
