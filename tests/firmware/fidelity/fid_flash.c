/* Internal flash programmed the way vendor HAL code does it (RM0468 embedded flash, flash word programming):
 * unlock, sector erase, then per 32-byte flash word: PG=1, ISB/DSB, eight 32-bit stores in a tight
 * loop, ISB/DSB, wait QW=0, check the error flags. Our own driver stores differently; this is what an
 * application doing its own flash writes (EEPROM emulation, settings) looks like. */
#include <stdint.h>

#include "stm32h7/flash_regs.h"
#include "mmio.h"
#include "stm32h7/stm32h735.h"

#define FREG(off) MMIO32(FLASH_R_BASE, off)
#define ERRS (FLASH_SR_WRPERR | FLASH_SR_PGSERR | FLASH_SR_STRBERR | FLASH_SR_INCERR | FLASH_SR_OPERR)

static void barriers(void)
{
    __asm__ volatile("isb\n\tdsb" ::: "memory");
}

static uint32_t wait_qw(void)
{
    while (FREG(FLASH_SR) & FLASH_SR_QW) {
    }
    uint32_t sr = FREG(FLASH_SR);
    FREG(FLASH_CCR) = ERRS | FLASH_SR_EOP;
    return sr & ERRS;
}

static uint32_t program_word(uint32_t addr, const uint32_t *src)
{
    volatile uint32_t *dst = (volatile uint32_t *)addr;
    uint32_t n = 8u;
    FREG(FLASH_CR) |= FLASH_CR_PG;
    barriers();
    do {
        *dst++ = *src++;
    } while (--n != 0u);
    barriers();
    uint32_t err = wait_qw();
    FREG(FLASH_CR) &= ~FLASH_CR_PG;
    return err;
}

/* Erase `sector`, program the flash word at `addr` (in that sector) twice with `pattern`.. .
 * Returns (errors of the 1st program) | (errors of the 2nd program) << 32 as R0:R1 halves:
 * R0 = first program's error flags (0 expected), R1 = the re-program's (silicon: not erased). */
uint64_t t_flash_word(uint32_t sector, uint32_t addr, uint32_t pattern)
{
    uint32_t data[8];
    for (uint32_t i = 0; i < 8u; i++) {
        data[i] = pattern + i * 0x01010101u;
    }
    if (FREG(FLASH_CR) & FLASH_CR_LOCK) {
        FREG(FLASH_KEYR) = FLASH_KEY1;
        FREG(FLASH_KEYR) = FLASH_KEY2;
    }
    FREG(FLASH_CCR) = ERRS | FLASH_SR_EOP;
    FREG(FLASH_CR) = (FREG(FLASH_CR) & ~(FLASH_CR_SNB_Msk | FLASH_CR_PSIZE_Msk)) |
                     (sector << FLASH_CR_SNB_Pos) | (2u << FLASH_CR_PSIZE_Pos) | FLASH_CR_SER;
    FREG(FLASH_CR) |= FLASH_CR_START;
    uint32_t e0 = wait_qw();
    FREG(FLASH_CR) &= ~FLASH_CR_SER;
    uint32_t e1 = e0 | program_word(addr, data);
    uint32_t e2 = program_word(addr, data);
    return (uint64_t)e1 | (uint64_t)e2 << 32;
}
