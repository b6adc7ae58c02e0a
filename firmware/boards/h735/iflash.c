/* The internal flash as a flashdev: a thin adapter over the shared FLASH driver (drivers/h7/flash.c). It uses
 * the driver's non-blocking sector erase / flash-word program (start + poll) and serves the UART (fd_wait)
 * between polls, so frames keep arriving while the controller works (RM0468, FLASH chapter). */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "flashdev.h"
#include "stm32h7/flash_regs.h"  /* FLASH_MEM_BASE, sizes */
#include "drivers/h7/flash.h"
#include "port.h"
#include "protocol.h"
#include "stm32h7/stm32h735.h"

/* Driver status -> protocol status; addr/detail from the driver's last error (address, FLASH_SR). */
static int fail(flash_status_t st, struct fd_result *r)
{
    static const uint8_t map[] = {
        [FLASH_ERR_LOCKED] = ST_PROGRAM_SEQUENCE, [FLASH_ERR_TIMEOUT] = ST_DEVICE_TIMEOUT,
        [FLASH_ERR_WRP] = ST_WRITE_PROTECTED,     [FLASH_ERR_PGS] = ST_PROGRAM_SEQUENCE,
        [FLASH_ERR_STRB] = ST_PROGRAM_SEQUENCE,   [FLASH_ERR_INC] = ST_PROGRAM_SEQUENCE,
        [FLASH_ERR_OP] = ST_OPERATION_FAILED,     [FLASH_ERR_RDP] = ST_WRITE_PROTECTED,
        [FLASH_ERR_ECC] = ST_ECC,                 [FLASH_ERR_ALIGN] = ST_ALIGN,
        [FLASH_ERR_RANGE] = ST_ADDR_OUT_OF_RANGE, [FLASH_ERR_VERIFY] = ST_VERIFY_FAIL,
    };
    const flash_error_t *e = flash_last_error();
    r->addr = e->addr;
    r->detail = e->sr;
    return (unsigned)st < sizeof map && map[st] ? map[st] : ST_INTERNAL;
}

static int prepare(struct fd_result *r)
{
    flash_status_t st = flash_unlock();
    if (st != FLASH_OK) return fail(st, r);
    flash_clear_errors();
    return ST_OK;
}

/* Start programming the first flash word from addr that is not all erased value (an erased word needs no
 * programming and stays writable); *taken: the bytes up to and including it. ST_OK with nothing started
 * when every word is blank. */
static int if_program_start(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                            uint32_t *taken, struct fd_result *r)
{
    (void)d;
    int s = prepare(r);
    for (uint32_t off = 0; off < len && s == ST_OK; off += FLASH_WORD_SIZE) {
        const uint32_t *dst = (const uint32_t *)(addr + off);
        uint32_t w[8];
        memcpy(w, data + off, sizeof w);   /* the payload may be unaligned */
        int blank = 1;
        for (int i = 0; i < 8; i++) blank &= w[i] == 0xFFFFFFFFu;
        *taken = off + FLASH_WORD_SIZE;
        if (blank) continue;
        for (int i = 0; i < 8; i++) {
            if (dst[i] != 0xFFFFFFFFu) {   /* programmed once after erase only (ECC, RM0468 FLASH chapter) */
                r->addr = addr + off + 4u * (uint32_t)i;
                r->detail = dst[i];
                return ST_NOT_ERASED;
            }
        }
        flash_status_t st = flash_program_word_start(addr + off, w);
        return st == FLASH_OK ? ST_OK : fail(st, r);
    }
    return s;
}

static int if_poll(const struct flashdev *d, struct fd_result *r)
{
    (void)d;
    flash_status_t st = flash_poll();
    if (st == FLASH_BUSY) return FD_BUSY;
    return st == FLASH_OK ? ST_OK : fail(st, r);
}

static int if_erase_start(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    int s = prepare(r);
    if (s != ST_OK) return s;
    flash_status_t st = flash_erase_sector_start((addr - d->base) / FLASH_SECTOR_SIZE);   /* uniform sectors */
    return st == FLASH_OK ? ST_OK : fail(st, r);
}

/* The queue has no more work here: CR.PG, kept set from one flash word to the next, is cleared. */
static void if_queue_done(const struct flashdev *d)
{
    (void)d;
    flash_program_end();
}

/* No bank erase (sector 0 is ours); erases and writes run in the background while the core serves the NOR
 * (the code runs from RAM: a busy single bank stalls fetches from it, RM0468 FLASH chapter). */
static const struct flashdev_ops ops = {fd_erase_waited, fd_program_waited, fd_mapped_read, fd_mapped_crc, 0,
                                        if_erase_start, if_program_start, if_poll, 0, if_queue_done};

/* The background writes' data (core/devq.h); AXI SRAM (DTCM holds the frame buffers, frames.c). The host
 * sends data up to 0.3 s of programming ahead, in 16 KB pieces (host/stm32boot/plan.py, LEAD_S): 74 KB
 * at x32 (32 bytes per 130 us typical, DS13945) plus a piece. */
static uint8_t queue_buf[96 * 1024] __attribute__((section(".queue"), aligned(32)));

uint8_t *port_queue_buffer(uint32_t *size)
{
    *size = sizeof queue_buf;
    return queue_buf;
}

static const struct proto_run RUNS[] = {{FLASH_MEM_SIZE / FLASH_SECTOR_SIZE, FLASH_SECTOR_SIZE}};

const struct flashdev iflash_dev = {
    .name = "flash", .base = FLASH_MEM_BASE, .size = FLASH_MEM_SIZE, .runs = RUNS, .n_runs = 1,
    .protected_size = FLASH_SECTOR_SIZE,      /* sector 0: this bootloader */
    .program_unit = FLASH_WORD_SIZE, .page_size = FLASH_WORD_SIZE, .erased = 0xFF,
    .kind = PROTO_MEM_INTERNAL, .ops = &ops, .ctx = 0, .block_size = 0, .chip_erase = 0,
};
