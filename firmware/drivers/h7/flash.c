#include "flash.h"

#include <string.h>

#include "clock.h"
#include "stm32h7/flash_regs.h"
#include <mmio.h>
#include "scb_regs.h"
#include "stm32h7/stm32h735.h"

#define FREG(off) MMIO32(FLASH_R_BASE, off)
#define CLEARABLE (FLASH_SR_ERRORS | FLASH_SR_EOP | FLASH_SR_CRCEND)

/* Worst-case datasheet times x2 margin (docs/performance.md): word 580 us, sector 4 s, bank 26 s (x8). */
#define WORD_TIMEOUT_US   2000u
#define SECTOR_TIMEOUT_US 8000000u
#define BANK_TIMEOUT_US   60000000u

static unsigned psize = 2u;
static flash_error_t last;

static flash_status_t fail(flash_status_t st, uint32_t addr, uint32_t sr)
{
    last.status = st;
    last.addr = addr;
    last.sr = sr;
    return st;
}

static flash_status_t decode(uint32_t sr)
{
    if (sr & FLASH_SR_WRPERR) return FLASH_ERR_WRP;
    if (sr & FLASH_SR_PGSERR) return FLASH_ERR_PGS;
    if (sr & FLASH_SR_STRBERR) return FLASH_ERR_STRB;
    if (sr & FLASH_SR_INCERR) return FLASH_ERR_INC;
    if (sr & FLASH_SR_OPERR) return FLASH_ERR_OP;
    if (sr & (FLASH_SR_RDPERR | FLASH_SR_RDSERR)) return FLASH_ERR_RDP;
    if (sr & (FLASH_SR_SNECCERR | FLASH_SR_DBECCERR | FLASH_SR_CRCRDERR)) return FLASH_ERR_ECC;
    return FLASH_OK;
}

/* Wait for the queue to drain, then turn any error flag into a status (and clear the flags). The read
 * that shows QW clear is the status decoded: with the queue empty and this code issuing no access to the
 * array, a second read would show the same flags (RM0468 FLASH chapter, FLASH_SR). An idle controller
 * costs one read, and CCR is written only when an error flag is set. */
static flash_status_t wait_done(uint32_t addr, uint32_t timeout_us)
{
    uint32_t sr = FREG(FLASH_SR);
    if (sr & FLASH_SR_QW) {
        deadline_t d;
        deadline_start(&d, timeout_us);
        while ((sr = FREG(FLASH_SR)) & FLASH_SR_QW) {
            if (deadline_expired(&d) && ((sr = FREG(FLASH_SR)) & FLASH_SR_QW)) {
                return fail(FLASH_ERR_TIMEOUT, addr, sr);
            }
        }
    }
    if (sr & FLASH_SR_ERRORS) {
        FREG(FLASH_CCR) = sr & CLEARABLE;
    }
    flash_status_t st = decode(sr);
    return st == FLASH_OK ? FLASH_OK : fail(st, addr, sr);
}

/* EOP is left set after a successful operation: it only matters with EOPIE (RM0468 FLASH chapter,
 * FLASH_SR/FLASH_CR), which this driver never sets, so CCR is written only when an error flag is up. */
void flash_clear_errors(void)
{
    uint32_t sr = FREG(FLASH_SR);
    if (sr & FLASH_SR_ERRORS) {
        FREG(FLASH_CCR) = sr & CLEARABLE;
    }
}

flash_status_t flash_unlock(void)
{
    uint32_t cr = FREG(FLASH_CR);  /* called before every flash word: one read when already unlocked */
    if (cr & FLASH_CR_LOCK) {
        FREG(FLASH_KEYR) = FLASH_KEY1;
        FREG(FLASH_KEYR) = FLASH_KEY2;
        cr = FREG(FLASH_CR);
    }
    if (cr & FLASH_CR_LOCK) {
        return fail(FLASH_ERR_LOCKED, FLASH_R_BASE + FLASH_KEYR, FREG(FLASH_SR));
    }
    return FLASH_OK;
}

void flash_lock(void)
{
    FREG(FLASH_CR) |= FLASH_CR_LOCK;
}

void flash_set_psize(unsigned p)
{
    psize = p & 3u;
}

/* Whether the D-cache is on, read when PG is set anew or an erase starts rather than for every flash word:
 * the caller does not switch the cache in the middle of a run of flash words. */
static uint8_t dcache_on;

static void dcache_check(void)
{
    dcache_on = (MMIO32(SCB_BASE, SCB_CCR) & SCB_CCR_DC) != 0;
}

/* Lines of a flash range may sit in the D-cache: drop them so reads see the new contents (RM0468, FLASH chapter). */
static void dcache_invalidate(uint32_t addr, uint32_t len)
{
    if (!dcache_on) {
        return;
    }
    __asm__ volatile("dsb" ::: "memory");
    for (uint32_t a = addr & ~31u; a < addr + len; a += 32u) {
        MMIO32(SCB_BASE, SCB_DCIMVAC) = a;
    }
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

/* The operation in flight: what flash_poll finishes (CR bits to drop, cache lines, read-back). */
enum { OP_NONE = 0, OP_ERASE, OP_WORD };
static struct {
    uint8_t kind;
    uint32_t addr, len;
    uint32_t word[8];
    deadline_t deadline;
} op;

static flash_status_t erase_start(uint32_t bits, uint32_t addr, uint32_t len, uint32_t timeout_us)
{
    flash_status_t st = wait_done(addr, WORD_TIMEOUT_US);  /* the queue must be empty to start */
    if (st != FLASH_OK) {
        return st;
    }
    flash_program_end();
    dcache_check();
    uint32_t cr = FREG(FLASH_CR) & ~(FLASH_CR_PSIZE_Msk | FLASH_CR_SNB_Msk | FLASH_CR_SER | FLASH_CR_BER |
                                      FLASH_CR_PG | FLASH_CR_FW);
    FREG(FLASH_CR) = cr | bits | FIELD_PREP(FLASH_CR_PSIZE, psize) | FLASH_CR_START;
    op.kind = OP_ERASE;
    op.addr = addr;
    op.len = len;
    deadline_start(&op.deadline, timeout_us);
    return FLASH_OK;
}

flash_status_t flash_erase_sector_start(unsigned sector)
{
    if (sector >= FLASH_SECTOR_COUNT) {
        return fail(FLASH_ERR_RANGE, FLASH_MEM_BASE + sector * FLASH_SECTOR_SIZE, 0);
    }
    uint32_t addr = FLASH_MEM_BASE + sector * FLASH_SECTOR_SIZE;
    return erase_start(FLASH_CR_SER | FIELD_PREP(FLASH_CR_SNB, sector), addr, FLASH_SECTOR_SIZE,
                       SECTOR_TIMEOUT_US);
}

flash_status_t flash_program_word_start(uint32_t addr, const void *data)
{
    if (addr & (FLASH_WORD_SIZE - 1u)) {
        return fail(FLASH_ERR_ALIGN, addr, 0);
    }
    if (addr < FLASH_MEM_BASE || addr - FLASH_MEM_BASE > FLASH_MEM_SIZE - FLASH_WORD_SIZE) {
        return fail(FLASH_ERR_RANGE, addr, 0);
    }
    flash_status_t st = wait_done(addr, WORD_TIMEOUT_US);
    if (st != FLASH_OK) {
        return st;
    }
    memcpy(op.word, data, sizeof op.word);
    /* PG stays set from one flash word to the next (RM0468 FLASH chapter, single write sequence: PG enables
     * the write buffer, each full flash word starts its own program; clearing it between words is not part
     * of the sequence). It is cleared before an erase and by flash_program_end(). */
    uint32_t cr = FREG(FLASH_CR);
    uint32_t want = (cr & ~(FLASH_CR_PSIZE_Msk | FLASH_CR_SER | FLASH_CR_BER)) | FIELD_PREP(FLASH_CR_PSIZE, psize) |
                    FLASH_CR_PG;
    if (cr != want) {
        FREG(FLASH_CR) = want;
        dcache_check();
        __asm__ volatile("isb\n\tdsb" ::: "memory");
    }
    volatile uint32_t *dst = (volatile uint32_t *)addr;
    for (unsigned i = 0; i < 8u; i++) {
        dst[i] = op.word[i];  /* the 8th store fills the 256-bit buffer and starts the program */
    }
    __asm__ volatile("isb\n\tdsb" ::: "memory");
    op.kind = OP_WORD;
    op.addr = addr;
    op.len = FLASH_WORD_SIZE;
    deadline_start(&op.deadline, WORD_TIMEOUT_US);
    return FLASH_OK;
}

flash_status_t flash_poll(void)
{
    if (op.kind == OP_NONE) {
        return FLASH_OK;
    }
    uint32_t sr = FREG(FLASH_SR);
    if (sr & FLASH_SR_QW) {
        if (!deadline_expired(&op.deadline)) {
            return FLASH_BUSY;
        }
        sr = FREG(FLASH_SR);  /* one last look */
    }
    flash_status_t st;
    if (sr & FLASH_SR_QW) {
        st = fail(FLASH_ERR_TIMEOUT, op.addr, sr);
    } else {
        if (sr & FLASH_SR_ERRORS) {
            FREG(FLASH_CCR) = sr & CLEARABLE;
        }
        st = decode(sr);
        if (st != FLASH_OK) {
            fail(st, op.addr, sr);
        }
    }
    if (op.kind == OP_ERASE) {
        FREG(FLASH_CR) &= ~(FLASH_CR_SER | FLASH_CR_BER | FLASH_CR_SNB_Msk);
    } else if (st != FLASH_OK) {
        flash_program_end();   /* a failed word leaves the controller as a fresh sequence expects it */
    }
    dcache_invalidate(op.addr, op.len);
    if (st == FLASH_OK && op.kind == OP_WORD && memcmp((const void *)op.addr, op.word, sizeof op.word) != 0) {
        st = fail(FLASH_ERR_VERIFY, op.addr, FREG(FLASH_SR));
    }
    op.kind = OP_NONE;
    return st;
}

void flash_program_end(void)
{
    uint32_t cr = FREG(FLASH_CR);
    if (cr & FLASH_CR_PG) {
        FREG(FLASH_CR) = cr & ~FLASH_CR_PG;
    }
}

/* The blocking calls: start, then poll until the end. */
static flash_status_t wait_op(flash_status_t st)
{
    if (st != FLASH_OK) {
        return st;
    }
    do {
        st = flash_poll();
    } while (st == FLASH_BUSY);
    return st;
}

flash_status_t flash_erase_sector(unsigned sector)
{
    return wait_op(flash_erase_sector_start(sector));
}

flash_status_t flash_erase_bank(void)
{
    return wait_op(erase_start(FLASH_CR_BER, FLASH_MEM_BASE, FLASH_MEM_SIZE, BANK_TIMEOUT_US));
}

flash_status_t flash_program(uint32_t addr, const void *data, size_t len)
{
    if (addr & (FLASH_WORD_SIZE - 1u)) {
        return fail(FLASH_ERR_ALIGN, addr, 0);
    }
    if (addr < FLASH_MEM_BASE || len > FLASH_MEM_SIZE || addr - FLASH_MEM_BASE > FLASH_MEM_SIZE - len) {
        return fail(FLASH_ERR_RANGE, addr, 0);
    }
    const uint8_t *src = data;
    for (size_t off = 0; off < len; off += FLASH_WORD_SIZE) {
        uint32_t w[8];
        size_t n = len - off < FLASH_WORD_SIZE ? len - off : FLASH_WORD_SIZE;
        memset(w, 0xFF, sizeof w);  /* a trailing partial word is padded with erased bytes */
        memcpy(w, src + off, n);
        flash_status_t st = wait_op(flash_program_word_start(addr + (uint32_t)off, w));
        if (st != FLASH_OK) {
            flash_program_end();
            return st;
        }
    }
    flash_program_end();
    return FLASH_OK;
}

const flash_error_t *flash_last_error(void)
{
    return &last;
}

const char *flash_strerror(flash_status_t s)
{
    static const char *const names[] = {
        "ok", "locked (wrong key sequence: locked until reset)", "timeout waiting for QW",
        "write-protected sector (WRPERR)", "programming sequence error (PGSERR)",
        "byte written twice in the write buffer (STRBERR)", "inconsistent flash-word writes (INCERR)",
        "operation error (OPERR)", "read protection (RDPERR/RDSERR)", "ECC error", "address not 32-byte aligned",
        "address or sector out of range", "read-back differs", "busy (operation still running)",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown flash error";
}
