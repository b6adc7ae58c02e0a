/* The application record (apprec.h has the invariant). Chip-neutral: it reaches the record's sector only
 * through the flash-device ops of the memory the board names (port_app_record). */
#include <stddef.h>
#include <string.h>
#include "apprec.h"
#include "crc32.h"
#include "port.h"
#include "protocol.h"

_Static_assert(sizeof(struct apprec) == APPREC_SIZE, "record size");

static uint8_t open_now;   /* 1: this boot erased and blank-checked the record sector since the last commit */

void apprec_reset(void) { open_now = 0; }

static uint32_t rec_crc(const struct apprec *a)
{
    return crc32_mpeg2(0xFFFFFFFFu, a, offsetof(struct apprec, crc));
}

static int read_rec(struct apprec *a)
{
    uint32_t at;
    const struct flashdev *d = port_app_record(&at);
    struct fd_result r = { at, 0 };
    if (!d || d->ops->read(d, at, (uint8_t *)a, sizeof *a, &r) != ST_OK) return 0;
    return a->magic == APPREC_MAGIC && a->format == 1u && a->crc == rec_crc(a);
}

int apprec_valid(void)
{
    struct apprec a;
    return read_rec(&a);
}

/* CRC of a whole erased sector, computed the way the device's crc op computes it. */
static uint32_t blank_crc(const struct flashdev *d)
{
    uint8_t ff[32];
    memset(ff, d->erased, sizeof ff);
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t off = 0; off < fd_last_sector(d); off += sizeof ff) c = crc32_mpeg2(c, ff, sizeof ff);
    return c;
}

static int blank(const struct flashdev *d, uint32_t at, struct fd_result *r)
{
    uint32_t c = 0;
    return d->ops->crc(d, at, fd_last_sector(d), &c, r) == ST_OK && c == blank_crc(d);
}

int apprec_open(struct fd_result *r)
{
    uint32_t at;
    const struct flashdev *d = port_app_record(&at);
    if (open_now) return ST_OK;
    r->addr = at;
    r->detail = 0;
    if (!d) return ST_RECORD_FAIL;
    /* Erase unless already blank (a session that only repeats verified data costs nothing); a torn erase
     * may read anything, so the blank check decides, not what an earlier boot did. */
    if (!blank(d, at, r)) {
        int s = d->ops->erase(d, at, r);
        if (s != ST_OK) return s;
        if (!blank(d, at, r)) { r->addr = at; return ST_RECORD_FAIL; }
    }
    open_now = 1;
    return ST_OK;
}

int apprec_commit(uint32_t image_crc, struct fd_result *r)
{
    struct apprec old, a;
    if (!open_now && read_rec(&old)) return ST_OK;   /* nothing changed since the record was written */
    int s = apprec_open(r);
    if (s != ST_OK) return s;
    uint32_t at;
    const struct flashdev *d = port_app_record(&at);
    memset(&a, 0xFF, sizeof a);
    a.magic = APPREC_MAGIC;
    a.format = 1u;
    a.image_crc = image_crc;
    a.crc = rec_crc(&a);
    uint8_t unit[APPREC_SIZE];   /* one record = one or more whole program units (checked next) */
    if (d->program_unit > APPREC_SIZE || APPREC_SIZE % d->program_unit) { r->addr = at; return ST_INTERNAL; }
    memcpy(unit, &a, sizeof unit);
    s = d->ops->program(d, at, unit, sizeof unit, r);
    if (s != ST_OK) return s;
    open_now = 0;
    if (!read_rec(&old) || memcmp(&old, &a, sizeof a)) { r->addr = at; return ST_RECORD_FAIL; }
    return ST_OK;
}
