/* Page packing (see pack.h): validate, sort, then one pass over the touched sectors that fills
 * pages, drops blank ones and CRCs each sector's intended content. */
#define _DEFAULT_SOURCE /* madvise */
#include "pack.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "crc32.h"

typedef struct {
    uint64_t addr, end;
    const uint8_t *data;
    size_t idx;   /* position in the caller's list, for messages */
} seg_t;

typedef struct {
    const pack_geometry *g;
    uint64_t *run_start; /* address of the first sector of each run */
} sectors_t;

/* CRC input is gathered into the longest contiguous span before each call: fewer, larger calls
 * keep the carry-less fold at full speed. Erased runs are fed from a prefilled scratch block. */
typedef struct {
    uint32_t crc;
    const uint8_t *ptr;
    uint64_t len;
    int erased;
    const uint8_t *scratch;
    size_t scratch_len;
} crc_acc;

#define SCRATCH 65536u
/* CRC a span while the copy just made of it is still in cache (L2-sized). */
#define SPAN_MAX 65536u

void pack_free(void *p)
{
    free(p);
}

/* The page buffer is written once, front to back: on Linux ask for transparent huge pages, which
 * turns tens of thousands of page faults per 64 MiB image into a few dozen. */
static void *alloc_pages(uint64_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uint64_t huge = 2u << 20;
    if (bytes >= huge) {
        uint64_t rounded = (bytes + huge - 1) / huge * huge;
        void *p = aligned_alloc(huge, rounded);
        if (p)
            madvise(p, rounded, MADV_HUGEPAGE); /* a hint: failure changes nothing */
        return p;
    }
#endif
    return malloc(bytes ? bytes : 1);
}

static int cmp_seg(const void *a, const void *b)
{
    const seg_t *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int check_geometry(const pack_geometry *g)
{
    if (g->page_size == 0)
        return PACK_G_PAGE_SIZE;
    if (g->program_unit == 0 || g->page_size % g->program_unit)
        return PACK_G_PROGRAM_UNIT;
    if (g->base % g->page_size)
        return PACK_G_ALIGN;
    uint64_t total = 0;
    for (size_t i = 0; i < g->nruns; i++) {
        const pack_run *r = &g->runs[i];
        if (r->count == 0)
            continue;
        if (r->size == 0 || r->count > (UINT64_MAX - total) / r->size)
            return PACK_G_SECTORS;
        if (r->size % g->page_size)
            return PACK_G_ALIGN;
        total += r->count * r->size;
    }
    if (total != g->size || g->size == 0 || g->size > UINT64_MAX - g->base)
        return PACK_G_SECTORS;
    return 0;
}

/* The sector holding addr (which is inside the memory): [*start, *start + *size). */
static void sector_at(const sectors_t *s, uint64_t addr, uint64_t *start, uint64_t *size)
{
    size_t lo = 0, hi = s->g->nruns; /* last run whose start <= addr (empty runs share starts) */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->run_start[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    while (s->g->runs[lo].count == 0 || addr - s->run_start[lo] >= s->g->runs[lo].count * s->g->runs[lo].size)
        lo++;
    uint64_t sz = s->g->runs[lo].size;
    *start = s->run_start[lo] + (addr - s->run_start[lo]) / sz * sz;
    *size = sz;
}

/* Lowest image address outside [base, limit), or UINT64_MAX when all bytes are inside. */
static uint64_t first_outside(const pack_segment *segs, size_t nseg, uint64_t base, uint64_t limit)
{
    uint64_t worst = UINT64_MAX;
    for (size_t i = 0; i < nseg; i++) {
        uint64_t a = segs[i].addr, n = segs[i].len, cand = UINT64_MAX;
        if (n == 0)
            continue;
        if (a < base)
            cand = a;
        else if (a >= limit || n > limit - a)
            cand = a > limit ? a : limit;
        if (cand < worst)
            worst = cand;
    }
    return worst;
}

/* Overlapping segments must agree byte for byte; report the lowest address where two do not.
 * Sorted by start, each segment is compared only with the earlier one reaching furthest (far):
 * far covers every byte the segment shares with earlier ones. If the lowest conflict is at x, some
 * segment covering x differs at x from the far of its turn (else all values at x would chain
 * equal), so the minimum over these comparisons is exactly the lowest conflict. Linear. */
static int check_overlaps(const seg_t *s, size_t n, pack_result *out)
{
    uint64_t best = UINT64_MAX;
    size_t far = 0;
    for (size_t j = 1; j < n && s[j].addr < best; j++) {
        const seg_t *f = &s[far];
        if (f->end > s[j].addr) {
            uint64_t from = s[j].addr, to = f->end < s[j].end ? f->end : s[j].end;
            const uint8_t *a = f->data + (from - f->addr), *b = s[j].data;
            if (memcmp(a, b, to - from) != 0) {
                uint64_t k = 0;
                while (a[k] == b[k])
                    k++;
                if (from + k < best) {
                    best = from + k;
                    out->err_addr = best;
                    out->err_seg[0] = f->idx;
                    out->err_seg[1] = s[j].idx;
                    out->err_byte[0] = a[k];
                    out->err_byte[1] = b[k];
                }
            }
        }
        if (s[j].end > f->end)
            far = j;
    }
    return best == UINT64_MAX ? PACK_OK : PACK_E_CONFLICT;
}

/* Once overlaps are known to agree, keep one copy of each byte: sorted, disjoint pieces, so the
 * fill pass never looks at a segment twice. Returns the new count. */
static size_t make_disjoint(seg_t *s, size_t n)
{
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        if (m && s[j].end <= s[m - 1].end)
            continue; /* wholly inside what is kept */
        seg_t piece = s[j];
        if (m && piece.addr < s[m - 1].end) {
            piece.data += s[m - 1].end - piece.addr;
            piece.addr = s[m - 1].end;
        }
        s[m++] = piece;
    }
    return m;
}

static int is_blank(const uint8_t *p, uint64_t n, uint8_t erased)
{
    uint64_t pat = 0x0101010101010101ull * erased, i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t a, b, c, d;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 8);
        memcpy(&c, p + i + 16, 8);
        memcpy(&d, p + i + 24, 8);
        if ((a ^ pat) | (b ^ pat) | (c ^ pat) | (d ^ pat))
            return 0;
    }
    for (; i < n; i++)
        if (p[i] != erased)
            return 0;
    return 1;
}

static void acc_flush(crc_acc *c)
{
    if (c->erased) {
        for (uint64_t left = c->len; left;) {
            size_t n = left < c->scratch_len ? (size_t)left : c->scratch_len;
            c->crc = crc32_mpeg2(c->crc, c->scratch, n);
            left -= n;
        }
    } else if (c->len) {
        c->crc = crc32_mpeg2(c->crc, c->ptr, (size_t)c->len);
    }
    c->len = 0;
    c->erased = 0;
}

static void acc_data(crc_acc *c, const uint8_t *p, uint64_t n)
{
    if (!c->erased && c->len && c->ptr + c->len == p && c->len < SPAN_MAX) {
        c->len += n;
        return;
    }
    acc_flush(c);
    c->ptr = p;
    c->len = n;
}

static void acc_erased(crc_acc *c, uint64_t n)
{
    if (!c->erased)
        acc_flush(c);
    c->erased = 1;
    c->len += n;
}

/* Pages and sectors the image touches (before blank pages are dropped): allocation sizes. */
static void count_touched(const seg_t *s, size_t n, const sectors_t *sec, uint64_t ps,
                          uint64_t *pages, uint64_t *sectors)
{
    uint64_t pcov = 0, scov = 0, np = 0, ns = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t p0 = s[i].addr / ps * ps, p1 = (s[i].end - 1) / ps * ps + ps;
        if (any && p0 < pcov)
            p0 = pcov;
        if (!any || p1 > pcov) {
            np += (p1 - p0) / ps;
            pcov = p1;
        }
        uint64_t a = any && s[i].addr < scov ? scov : s[i].addr;
        while (a < s[i].end) {
            uint64_t st, sz;
            sector_at(sec, a, &st, &sz);
            ns++;
            a = scov = st + sz;
        }
        any = 1;
    }
    *pages = np;
    *sectors = ns;
}

/* The one pass over sorted, disjoint pieces. Invariant: every piece before k ends at or before
 * the current page. */
static void fill(const seg_t *s, size_t n, const sectors_t *sec, const pack_geometry *g,
                 crc_acc *acc, pack_result *out)
{
    const uint64_t ps = g->page_size;
    size_t k = 0;
    uint64_t next = 0;
    while (k < n) {
        uint64_t s0, ssz, p;
        sector_at(sec, s[k].addr > next ? s[k].addr : next, &s0, &ssz);
        const uint64_t s1 = s0 + ssz;
        acc->crc = CRC32_MPEG2_INIT;
        for (p = s0; p < s1;) {
            const uint64_t pe = p + ps;
            while (k < n && s[k].end <= p)
                k++;
            if (k == n || s[k].addr >= pe) { /* nothing until the page holding the next segment */
                uint64_t to = k == n || s[k].addr >= s1 ? s1 : s[k].addr / ps * ps;
                acc_erased(acc, to - p);
                p = to;
                continue;
            }
            uint8_t *slot = out->data + out->npages * ps;
            const uint8_t *src = NULL;
            for (size_t j = k; j < n && s[j].addr < pe; j++)
                if (s[j].addr <= p && s[j].end >= pe) {
                    src = s[j].data + (p - s[j].addr);
                    break;
                }
            if (!src) { /* partly covered: assemble the page in its output slot */
                memset(slot, g->erased, ps);
                for (size_t j = k; j < n && s[j].addr < pe; j++) {
                    if (s[j].end <= p)
                        continue;
                    uint64_t a = s[j].addr > p ? s[j].addr : p, e = s[j].end < pe ? s[j].end : pe;
                    memcpy(slot + (a - p), s[j].data + (a - s[j].addr), e - a);
                }
            }
            const uint8_t *content = src ? src : slot;
            if (is_blank(content, ps, g->erased)) {
                out->blank_pages++;
                if (src)
                    acc_data(acc, src, ps);
                else
                    acc_erased(acc, ps);
            } else {
                if (src)
                    memcpy(slot, src, ps);
                out->page_addr[out->npages++] = p;
                acc_data(acc, content, ps);
            }
            p = pe;
        }
        acc_flush(acc);
        pack_sector *o = &out->sectors[out->nsectors++];
        o->addr = s0;
        o->size = ssz;
        o->crc = acc->crc;
        next = s1;
        while (k < n && s[k].end <= s1)
            k++;
    }
}

int pack_image(const pack_segment *segs, size_t nseg, const pack_geometry *g, pack_result *out)
{
    memset(out, 0, sizeof *out);
    if ((out->err_detail = check_geometry(g)) != 0)
        return out->err = PACK_E_GEOMETRY;
    uint64_t bad = first_outside(segs, nseg, g->base, g->base + g->size);
    if (bad != UINT64_MAX) {
        out->err_addr = bad;
        return out->err = PACK_E_RANGE;
    }
    seg_t *s = malloc((nseg ? nseg : 1) * sizeof *s);
    sectors_t sec = {g, malloc((g->nruns ? g->nruns : 1) * sizeof(uint64_t))};
    uint8_t *scratch = malloc(SCRATCH);
    size_t n = 0;
    if (!s || !sec.run_start || !scratch)
        goto nomem;
    for (size_t i = 0; i < nseg; i++)
        if (segs[i].len)
            s[n++] = (seg_t){segs[i].addr, segs[i].addr + segs[i].len, segs[i].data, i};
    qsort(s, n, sizeof *s, cmp_seg);
    if (check_overlaps(s, n, out) != PACK_OK) {
        out->err = PACK_E_CONFLICT;
        goto done;
    }
    n = make_disjoint(s, n);
    uint64_t a = g->base;
    for (size_t i = 0; i < g->nruns; i++) {
        sec.run_start[i] = a;
        a += g->runs[i].count * g->runs[i].size;
    }
    uint64_t npages, nsectors;
    count_touched(s, n, &sec, g->page_size, &npages, &nsectors);
    out->data = alloc_pages(npages * g->page_size);
    out->page_addr = malloc(npages ? npages * sizeof(uint64_t) : 1);
    out->sectors = malloc(nsectors ? nsectors * sizeof(pack_sector) : 1);
    if (!out->data || !out->page_addr || !out->sectors)
        goto nomem;
    memset(scratch, g->erased, SCRATCH);
    crc_acc acc = {0, NULL, 0, 0, scratch, SCRATCH};
    fill(s, n, &sec, g, &acc, out);
    if (out->npages < npages && out->npages) { /* give back the blank pages' room */
        uint8_t *shrunk = realloc(out->data, out->npages * g->page_size);
        if (shrunk)
            out->data = shrunk;
    }
    goto done;
nomem:
    free(out->data);
    free(out->page_addr);
    free(out->sectors);
    out->data = NULL;
    out->page_addr = NULL;
    out->sectors = NULL;
    out->err = PACK_E_NOMEM;
done:
    free(s);
    free(sec.run_start);
    free(scratch);
    return out->err;
}
