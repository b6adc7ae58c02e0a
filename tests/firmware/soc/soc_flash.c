/* Flash scenario: program/verify through the driver, then provoke each controller error on purpose.
 * Each line: the driver's status for the operation ("name=<flash_status_t>"). The host protects
 * sector 5 before the run (WRPERR case). The wrong-key case comes last: it locks FLASH until reset. */
#include <string.h>

#include "drivers/h7/flash.h"
#include "stm32h7/flash_regs.h"
#include "mmio.h"
#include "soc.h"
#include "stm32h7/stm32h735.h"

#define FREG(off) MMIO32(FLASH_R_BASE, off)
#define SECTOR2 (FLASH_MEM_BASE + 2u * FLASH_SECTOR_SIZE)

static uint8_t pattern[256];

static void store(uint32_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
    __asm__ volatile("dsb" ::: "memory");
}

static uint32_t sr_then_clear(void)
{
    uint32_t sr = FREG(FLASH_SR);
    FREG(FLASH_CCR) = FLASH_SR_ERRORS | FLASH_SR_EOP;
    return sr;
}

void scenario_flash(void)
{
    for (unsigned i = 0; i < sizeof pattern; i++) {
        pattern[i] = (uint8_t)(i * 7u + 1u);
    }
    say_kv("unlock", flash_unlock());
    say_kv("erase", flash_erase_sector(2));
    say_kv("program", flash_program(SECTOR2, pattern, sizeof pattern));
    say_kv("verify", memcmp((const void *)SECTOR2, pattern, sizeof pattern) == 0);
    /* the same word again without erase: the simulator reports it (ECC on silicon) */
    say_kv("reprogram", flash_program(SECTOR2, pattern, 32));
    flash_clear_errors();

    /* PGSERR: a store with PG=0 */
    store(SECTOR2 + 0x1000, 0);
    say_kv("pgserr", !!(sr_then_clear() & FLASH_SR_PGSERR));
    /* STRBERR: the same bytes twice in the write buffer */
    FREG(FLASH_CR) |= FLASH_CR_PG;
    store(SECTOR2 + 0x1000, 1);
    store(SECTOR2 + 0x1000, 2);
    say_kv("strberr", !!(sr_then_clear() & FLASH_SR_STRBERR));
    /* INCERR: leaving an open flash word for another one */
    store(SECTOR2 + 0x1100, 1);
    store(SECTOR2 + 0x1120, 2);
    say_kv("incerr", !!(sr_then_clear() & FLASH_SR_INCERR));
    FREG(FLASH_CR) &= ~FLASH_CR_PG;
    sr_then_clear();
    /* WRPERR: sector 5 write-protected by the host */
    flash_status_t st = flash_erase_sector(5);
    say_kv("wrp", st);
    say_kv("wrp_addr", flash_last_error()->addr);
    /* Wrong key: locked until reset */
    flash_lock();
    FREG(FLASH_KEYR) = 0x12345678u;
    say_kv("relock", flash_unlock());
    say("done\n");
}
