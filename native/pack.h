/* Page packing: turn a sparse image into the pages to program and the sectors to erase, with
 * the CRC-32/MPEG-2 (crc32.h) of every touched sector's intended content, in one pass.
 *
 * Geometry rules (checked, PACK_E_GEOMETRY otherwise): sectors are runs of (count, size) that
 * tile [base, base + size) exactly; base and every sector size are multiples of page_size, so a
 * page never straddles sectors; program_unit divides page_size (pages are page-aligned, hence
 * program-unit aligned too).
 */
#ifndef NATIVE_PACK_H
#define NATIVE_PACK_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t addr;
    uint64_t len;
    const uint8_t *data;
} pack_segment;

typedef struct {
    uint64_t count;
    uint64_t size;
} pack_run;

typedef struct {
    uint64_t base;
    uint64_t size;
    const pack_run *runs;
    size_t nruns;
    uint64_t page_size;
    uint64_t program_unit;
    uint8_t erased;
} pack_geometry;

typedef struct {
    uint64_t addr;
    uint64_t size;
    uint32_t crc;
} pack_sector;

enum {
    PACK_OK = 0,
    PACK_E_RANGE = 1,    /* err_addr: lowest image address outside the memory */
    PACK_E_CONFLICT = 2, /* err_addr: lowest address two segments disagree on; err_seg/err_byte */
    PACK_E_GEOMETRY = 3, /* err_detail: which rule (PACK_G_*) */
    PACK_E_NOMEM = 4,
};

enum {
    PACK_G_PAGE_SIZE = 1,    /* page_size is 0 */
    PACK_G_PROGRAM_UNIT = 2, /* program_unit is 0 or does not divide page_size */
    PACK_G_SECTORS = 3,      /* the sector runs do not add up to the memory size */
    PACK_G_ALIGN = 4,        /* base or a sector size is not a multiple of page_size */
};

/* Output. The three arrays are malloc'd and owned by the caller (pack_free each). */
typedef struct {
    uint8_t *data;          /* npages * page_size bytes, page i at data + i * page_size */
    uint64_t *page_addr;    /* npages ascending addresses */
    size_t npages;
    size_t blank_pages;     /* touched pages left out because every byte was the erased value */
    pack_sector *sectors;   /* nsectors touched sectors, ascending */
    size_t nsectors;
    int err;
    int err_detail;
    uint64_t err_addr;
    size_t err_seg[2];      /* input indexes of the two conflicting segments */
    uint8_t err_byte[2];    /* their bytes at err_addr */
} pack_result;

/* Returns out->err. On error nothing is allocated. Segments may come in any order. */
int pack_image(const pack_segment *segs, size_t nseg, const pack_geometry *geom, pack_result *out);

void pack_free(void *p);

#endif
