/* The F746's internal flash as a flashdev: a thin adapter over the F7 flash controller driver
 * (drivers/f7/flashctl.c), serving the UART (fd_wait) while the controller works. Sectors are uneven:
 * 4 x 32 KB, 1 x 128 KB, 3 x 256 KB (RM0385 §3.3.1 table 3); an erase must name a sector's first byte. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "drivers/f7/flashctl.h"
#include "handoff.h"
#include "port.h"
#include "protocol.h"
#include "stm32f7/stm32f746.h"

static const struct proto_run RUNS[] = {{4u, 0x8000u}, {1u, 0x20000u}, {3u, 0x40000u}};
static uint32_t op_addr;   /* what the running operation works on: a failure names it */

/* The sector number (SNB) whose first byte is addr, or -1. */
static int sector_at(const struct flashdev *d, uint32_t addr)
{
    uint32_t a = d->base;
    int snb = 0;
    for (unsigned r = 0; r < d->n_runs; r++)
        for (uint32_t i = 0; i < d->runs[r].count; i++, snb++, a += d->runs[r].size)
            if (a == addr) return snb;
    return -1;
}

/* Driver status -> protocol status (words every chip shares); detail = FLASH_SR (RM0385 §3.7.4). */
static int fail(fctl_status st, uint32_t addr, struct fd_result *r)
{
    static const uint8_t map[] = {
        [FCTL_E_LOCKED] = ST_PROGRAM_SEQUENCE, [FCTL_E_TIMEOUT] = ST_DEVICE_TIMEOUT,
        [FCTL_E_WRP] = ST_WRITE_PROTECTED,     [FCTL_E_PGA] = ST_PROGRAM_SEQUENCE,
        [FCTL_E_PGP] = ST_PROGRAM_SEQUENCE,    [FCTL_E_ERS] = ST_PROGRAM_SEQUENCE,
        [FCTL_E_OP] = ST_OPERATION_FAILED,
    };
    r->addr = addr;
    r->detail = fctl_last_sr();
    return (unsigned)st < sizeof map && map[st] ? map[st] : ST_INTERNAL;
}

/* Start programming the first word from addr that is not all erased value (an erased word needs no
 * store and stays writable); *taken: the bytes up to and including it. ST_OK with nothing started when
 * every word is blank. */
static int if_program_start(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                            uint32_t *taken, struct fd_result *r)
{
    (void)d;
    *taken = 0;
    for (uint32_t off = 0; off < len; off += 4u) {
        uint32_t w;
        memcpy(&w, data + off, 4);       /* the payload may be unaligned */
        *taken = off + 4u;
        if (w == 0xFFFFFFFFu) continue;  /* erased already: no store needed */
        uint32_t now = *(const volatile uint32_t *)(addr + off);
        if (now != 0xFFFFFFFFu) {        /* programmed once after erase only */
            r->addr = addr + off;
            r->detail = now;
            return ST_NOT_ERASED;
        }
        fctl_status st = fctl_unlock();
        op_addr = addr + off;
        if (st == FCTL_OK) st = fctl_program_start(op_addr, w);
        return st == FCTL_OK ? ST_OK : fail(st, op_addr, r);
    }
    return ST_OK;
}

static int if_poll(const struct flashdev *d, struct fd_result *r)
{
    (void)d;
    fctl_status st = fctl_poll();
    if (st == FCTL_BUSY) return FD_BUSY;
    return st == FCTL_OK ? ST_OK : fail(st, op_addr, r);
}

static int if_erase_start(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    int snb = sector_at(d, addr);
    if (snb < 0) {
        r->addr = addr;
        return ST_ALIGN;
    }
    fctl_status st = fctl_unlock();
    op_addr = addr;
    if (st == FCTL_OK) st = fctl_erase_start((uint32_t)snb);
    return st == FCTL_OK ? ST_OK : fail(st, addr, r);
}

/* The queue has no more work here: CR.PG, kept set from one word to the next, is cleared. */
static void if_queue_done(const struct flashdev *d)
{
    (void)d;
    fctl_program_end();
}

static const struct flashdev_ops ops = {fd_erase_waited, fd_program_waited, fd_mapped_read, fd_mapped_crc, 0,
                                        if_erase_start, if_program_start, if_poll, 0, if_queue_done};

/* The background writes' data (core/devq.h): SRAM1, beside the receive ring (the DTCM holds the frame
 * buffers and the stack). 128 KB hold what arrives during several sector erases at 921600 baud. */
static uint8_t queue_buf[128 * 1024] __attribute__((section(".queue"), aligned(32)));

uint8_t *port_queue_buffer(uint32_t *size)
{
    *size = sizeof queue_buf;
    return queue_buf;
}

const struct flashdev iflash_dev = {
    .name = "flash", .base = FLASH_MEM_BASE, .size = FLASH_MEM_SIZE, .runs = RUNS,
    .n_runs = sizeof RUNS / sizeof RUNS[0],
    .protected_size = BL_SIZE,           /* sector 0: this bootloader */
    .program_unit = 4, .page_size = 256, .erased = 0xFF,
    .kind = PROTO_MEM_INTERNAL, .ops = &ops, .ctx = 0,
};
