/* The internal flash as a flashdev (h735-hardware.md §2): sector erase and 32-byte flash-word programming
 * at register level, because every busy wait must keep polling the UART (fd_idle) so frames keep arriving
 * while the controller works. Unlock and error clearing come from the shared driver (drivers/flash.c). */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "crc32.h"
#include "flash.h"      /* regs/flash.h: register offsets and bits */
#include "../../drivers/flash.h"
#include "mmio.h"
#include "port.h"
#include "protocol.h"
#include "stm32h735.h"

#define FR(off) MMIO32(FLASH_R_BASE, off)
#define PSIZE_X32 2u                 /* CubeMX default voltage range 3 parallelism (§2) */
#define ERASE_TIMEOUT_MS 4400u       /* 2 x the 2.2 s x32 maximum (§2 table) */
#define WORD_TIMEOUT_MS 5u           /* 260 us maximum per flash word */

static int status_of(uint32_t sr)
{
    if (sr & FLASH_SR_WRPERR) return ST_FLASH_WRPERR;
    if (sr & FLASH_SR_PGSERR) return ST_FLASH_PGSERR;
    if (sr & FLASH_SR_STRBERR) return ST_FLASH_STRBERR;
    if (sr & FLASH_SR_INCERR) return ST_FLASH_INCERR;
    if (sr & (FLASH_SR_SNECCERR | FLASH_SR_DBECCERR)) return ST_FLASH_ECC;
    return ST_FLASH_OPERR;
}

/* Wait for QW to clear while the UART keeps being served; then check the error flags. */
static int wait_done(uint32_t addr, uint32_t timeout_ms, struct fd_result *r)
{
    uint32_t t0 = port_millis();
    while (FR(FLASH_SR) & FLASH_SR_QW) {
        fd_wait();
        if (port_millis() - t0 > timeout_ms && (FR(FLASH_SR) & FLASH_SR_QW)) {
            r->addr = addr;
            r->detail = FR(FLASH_SR);
            return ST_FLASH_TIMEOUT;
        }
    }
    uint32_t sr = FR(FLASH_SR);
    if (sr & FLASH_SR_ERRORS) {
        r->addr = addr;
        r->detail = sr;
        flash_clear_errors();
        return status_of(sr);
    }
    return ST_OK;
}

static int prepare(uint32_t addr, struct fd_result *r)
{
    if (flash_unlock() != FLASH_OK) {
        r->addr = addr;
        r->detail = FR(FLASH_CR);
        return ST_FLASH_PGSERR;
    }
    flash_clear_errors();
    return ST_OK;
}

static int if_erase(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    int s = prepare(addr, r);
    if (s != ST_OK) return s;
    uint32_t snb = (addr - d->base) / d->sector_size;
    FR(FLASH_CR) = (FR(FLASH_CR) & ~(FLASH_CR_PSIZE_Msk | FLASH_CR_SNB_Msk | FLASH_CR_PG)) | FLASH_CR_SER |
                   FIELD_PREP(FLASH_CR_PSIZE, PSIZE_X32) | FIELD_PREP(FLASH_CR_SNB, snb) | FLASH_CR_START;
    s = wait_done(addr, ERASE_TIMEOUT_MS, r);
    FR(FLASH_CR) &= ~(FLASH_CR_SER | FLASH_CR_SNB_Msk);
    return s;
}

static int if_program(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                      struct fd_result *r)
{
    (void)d;
    int s = prepare(addr, r);
    if (s != ST_OK) return s;
    FR(FLASH_CR) = (FR(FLASH_CR) & ~FLASH_CR_PSIZE_Msk) | FIELD_PREP(FLASH_CR_PSIZE, PSIZE_X32) | FLASH_CR_PG;
    for (uint32_t off = 0; off < len && s == ST_OK; off += FLASH_WORD_SIZE) {
        volatile uint32_t *dst = (volatile uint32_t *)(addr + off);
        uint32_t w[8];
        memcpy(w, data + off, sizeof w);   /* the payload may be unaligned */
        int blank = 1;
        for (int i = 0; i < 8; i++) blank &= w[i] == 0xFFFFFFFFu;
        if (blank) continue;               /* an erased word needs no programming (and stays writable) */
        for (int i = 0; i < 8; i++) {
            if (dst[i] != 0xFFFFFFFFu) {   /* programmed once after erase only (ECC, §1) */
                r->addr = addr + off + 4u * (uint32_t)i;
                r->detail = dst[i];
                s = ST_NOT_ERASED;
                break;
            }
        }
        if (s != ST_OK) break;
        for (int i = 0; i < 8; i++) dst[i] = w[i];
        __asm volatile("dsb" ::: "memory");
        s = wait_done(addr + off, WORD_TIMEOUT_MS, r);
        if (s == ST_OK && memcmp((const void *)(addr + off), w, sizeof w)) {
            r->addr = addr + off;
            s = ST_VERIFY_FAIL;
        }
    }
    FR(FLASH_CR) &= ~FLASH_CR_PG;
    return s;
}

static int if_read(const struct flashdev *d, uint32_t addr, uint8_t *out, uint32_t len, struct fd_result *r)
{
    (void)d; (void)r;
    memcpy(out, (const void *)addr, len);
    return ST_OK;
}

static int if_crc(const struct flashdev *d, uint32_t addr, uint32_t len, uint32_t *crc, struct fd_result *r)
{
    (void)d; (void)r;
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t off = 0; off < len; off += 256u) {   /* serve the UART between blocks */
        uint32_t n = len - off < 256u ? len - off : 256u;
        c = crc32_mpeg2(c, (const void *)(addr + off), n);
        fd_idle();
    }
    *crc = c;
    return ST_OK;
}

static const struct flashdev_ops ops = {if_erase, if_program, if_read, if_crc};

const struct flashdev iflash_dev = {
    .name = "flash", .base = FLASH_MEM_BASE, .size = FLASH_MEM_SIZE, .sector_size = FLASH_SECTOR_SIZE,
    .protected_size = FLASH_SECTOR_SIZE,      /* sector 0: this bootloader */
    .program_unit = FLASH_WORD_SIZE, .page_size = FLASH_WORD_SIZE, .erased = 0xFF,
    .kind = PROTO_MEM_INTERNAL, .ops = &ops, .ctx = 0,
};
