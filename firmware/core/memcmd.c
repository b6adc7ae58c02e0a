/* MEMORY, ERASE, WRITE, READ, CRC and COMMIT (memcmd.h) over the board's memories (port_mems). Sectors
 * are runs of sizes (flashdev.h): an erase must name a sector's first byte, whatever its size.
 *
 * Durability invariant (apprec.h): an application is valid only when its whole session completed.
 * Every ERASE and WRITE first invalidates the application record (apprec_open, once until the next
 * commit); CMD_COMMIT, which the host sends only after verifying every range, writes it last.
 * A memory that works in the background (devq.h) has its sector erases and writes queued; any other
 * operation on it waits for its queue first. */
#include <string.h>
#include "apprec.h"
#include "devq.h"
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

uint16_t memcmd_memory(const uint8_t *p, uint16_t len, struct proto_status *st, uint8_t *out)
{
    unsigned n;
    const struct flashdev *const *mems = port_mems(&n);
    if (len != sizeof(struct proto_memory_req)) { st->status = ST_BAD_LEN; return 0; }
    if (p[0] >= n || p[0] >= PROTO_MAX_MEMS) { st->status = ST_ADDR_OUT_OF_RANGE; st->detail = n; return 0; }
    const struct flashdev *d = mems[p[0]];
    struct proto_mem m;
    memset(&m, 0, sizeof m);
    for (unsigned i = 0; i < sizeof m.name && d->name[i]; i++) m.name[i] = d->name[i];   /* NUL-padded */
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
    memcpy(out, &m, sizeof m);
    memcpy(out + sizeof m, d->runs, m.n_runs * sizeof(struct proto_run));
    st->status = ST_OK;
    return (uint16_t)(sizeof m + m.n_runs * sizeof(struct proto_run));
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
        if (!fd_sector_at(d, a)) { st->status = ST_ALIGN; st->addr = a; return 0; }
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
        uint32_t block = 0;
        if (!(a & PROTO_ERASE_WHOLE) && d->ops->erase_unit && d->block_size > fd_sector_at(d, a) &&
            (a - d->base) % d->block_size == 0)
            block = entries_covering(d, p, len, i, d->block_size);
        if (devq_takes(d) && !(a & PROTO_ERASE_WHOLE) && !block) {
            devq_erase(d, a);
            s = ST_OK;
        } else if (a & PROTO_ERASE_WHOLE) {
            devq_flush();
            s = d->ops->erase_unit(d, d->base, d->size, &r);
        } else if (block) {   /* the listed sectors fill the block exactly: one block command */
            if (devq_takes(d)) devq_flush();
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
    if (devq_takes(d)) {
        devq_program(d, a, p + sizeof(struct proto_write_req), n);
        st->status = ST_OK;
        return;
    }
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
