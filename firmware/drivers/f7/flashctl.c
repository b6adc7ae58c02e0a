/* STM32F7 embedded flash controller (RM0385 §3.3.3 unlocking, §3.3.5-3.3.7 erase and program sequences,
 * §3.7.4-3.7.5 SR/CR). x32 parallelism: the board supplies 2.7-3.6 V (RM0385 §3.3.2 table 5). */
#include "flashctl.h"

#include "mmio.h"
#include "stm32f7/flash_regs.h"
#include "stm32f7/stm32f746.h"

#define FR(off) MMIO32(FLASH_R_BASE, off)
#define SR_ERRORS (FLASH_SR_OPERR | FLASH_SR_WRPERR | FLASH_SR_PGAERR | FLASH_SR_PGPERR | FLASH_SR_ERSERR)

static uint32_t last_sr;

uint32_t fctl_last_sr(void)
{
    return last_sr;
}

fctl_status fctl_unlock(void)
{
    if (FR(FLASH_CR) & FLASH_CR_LOCK) {
        FR(FLASH_KEYR) = FLASH_KEY1;
        FR(FLASH_KEYR) = FLASH_KEY2;
    }
    last_sr = FR(FLASH_SR);
    return (FR(FLASH_CR) & FLASH_CR_LOCK) ? FCTL_E_LOCKED : FCTL_OK;
}

void fctl_lock(void)
{
    FR(FLASH_CR) = FLASH_CR_LOCK;
}

static fctl_status error_of(uint32_t sr)
{
    last_sr = sr;
    if (sr & (SR_ERRORS | FLASH_SR_EOP)) {
        FR(FLASH_SR) = sr & (SR_ERRORS | FLASH_SR_EOP);   /* write 1 to clear; an idle SR costs no write */
    }
    if (sr & FLASH_SR_WRPERR) return FCTL_E_WRP;
    if (sr & FLASH_SR_PGAERR) return FCTL_E_PGA;
    if (sr & FLASH_SR_PGPERR) return FCTL_E_PGP;
    if (sr & FLASH_SR_ERSERR) return FCTL_E_ERS;
    if (sr & FLASH_SR_OPERR) return FCTL_E_OP;
    return FCTL_OK;
}

/* Start conditions of every operation: not busy, unlocked, no error left from an earlier one. */
static fctl_status ready(void)
{
    uint32_t sr = FR(FLASH_SR);
    if (sr & FLASH_SR_BSY) return FCTL_BUSY;
    if (FR(FLASH_CR) & FLASH_CR_LOCK) {
        last_sr = sr;
        return FCTL_E_LOCKED;
    }
    (void)error_of(sr);
    return FCTL_OK;
}

fctl_status fctl_erase_start(uint32_t sector)
{
    fctl_status st = ready();
    if (st != FCTL_OK) return st;
    FR(FLASH_CR) = FLASH_PSIZE_X32 << FLASH_CR_PSIZE_Pos | FLASH_CR_SER | (sector & 0xFu) << FLASH_CR_SNB_Pos;
    FR(FLASH_CR) |= FLASH_CR_STRT;
    __asm volatile("dsb" ::: "memory");
    return FCTL_OK;
}

fctl_status fctl_program_start(uint32_t addr, uint32_t word)
{
    fctl_status st = ready();
    if (st != FCTL_OK) return st;
    /* PG stays set from one word to the next (RM0385 §3.6.2: set PG, store, wait for BSY; nothing asks to
     * clear it between words); an erase rewrites CR without it, and fctl_program_end() clears it. */
    uint32_t cr = FLASH_PSIZE_X32 << FLASH_CR_PSIZE_Pos | FLASH_CR_PG;
    if (FR(FLASH_CR) != cr) FR(FLASH_CR) = cr;
    *(volatile uint32_t *)addr = word;
    __asm volatile("dsb" ::: "memory");
    return FCTL_OK;
}

fctl_status fctl_poll(void)
{
    uint32_t sr = FR(FLASH_SR);
    if (sr & FLASH_SR_BSY) return FCTL_BUSY;
    uint32_t cr = FR(FLASH_CR);
    if (cr & FLASH_CR_SER) FR(FLASH_CR) = cr & ~FLASH_CR_SER;   /* an erase ended */
    fctl_status st = error_of(sr);
    if (st != FCTL_OK) fctl_program_end();
    return st;
}

void fctl_program_end(void)
{
    uint32_t cr = FR(FLASH_CR);
    if (cr & FLASH_CR_PG) FR(FLASH_CR) = cr & ~FLASH_CR_PG;
}
