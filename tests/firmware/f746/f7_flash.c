/* The F7 flash controller (RM0385 §3): unlock, erase of a 32 KB and a 128 KB sector with their times,
 * programming at each PSIZE, and each error flag where silicon raises it. Reports key=value lines. */
#include "f7.h"
#include "stm32f7/flash_regs.h"
#include "stm32f7/stm32f746.h"

#define FR(off) MMIO32(FLASH_R_BASE, off)
#define S1 0x08008000u      /* sector 1, 32 KB */
#define S4 0x08020000u      /* sector 4, 128 KB */
#define S5_SNB 5u

static void dsb(void)
{
    __asm__ volatile("dsb" ::: "memory");
}

static void wait_idle(void)
{
    while (FR(FLASH_SR) & FLASH_SR_BSY) {
    }
}

static uint32_t errors(void)
{
    uint32_t sr = FR(FLASH_SR);
    FR(FLASH_SR) = sr & 0xF3u;                   /* W1C: EOP, OPERR, WRPERR, PGAERR, PGPERR, ERSERR */
    return sr & 0xFFu;
}

static uint32_t erase(uint32_t snb, uint32_t psize)
{
    wait_idle();
    FR(FLASH_CR) = (psize << FLASH_CR_PSIZE_Pos) | FLASH_CR_SER | (snb << FLASH_CR_SNB_Pos);
    uint32_t t0 = cycles();
    FR(FLASH_CR) |= FLASH_CR_STRT;
    dsb();
    wait_idle();
    uint32_t t = cycles() - t0;
    FR(FLASH_CR) = 0;
    return t;
}

static void program_mode(uint32_t psize, uint32_t extra)
{
    wait_idle();
    FR(FLASH_CR) = (psize << FLASH_CR_PSIZE_Pos) | FLASH_CR_PG | extra;
}

void flash_tests(void)
{
    say_kv("fl_locked", (FR(FLASH_CR) & FLASH_CR_LOCK) != 0);
    FR(FLASH_KEYR) = FLASH_KEY1;
    FR(FLASH_KEYR) = FLASH_KEY2;
    say_kv("fl_unlocked", (FR(FLASH_CR) & FLASH_CR_LOCK) == 0);
    (void)errors();

    say_kv("fl_erase32k_x32_cycles", erase(1, FLASH_PSIZE_X32));
    say_kv("fl_erase128k_x8_cycles", erase(4, FLASH_PSIZE_X8));
    say_kv("fl_erased", *(volatile uint32_t *)S1 == 0xFFFFFFFFu && *(volatile uint32_t *)(S4 + 0x1FFFCu) == 0xFFFFFFFFu);

    program_mode(FLASH_PSIZE_X8, 0);
    *(volatile uint8_t *)(S1 + 0) = 0x11;
    *(volatile uint8_t *)(S1 + 1) = 0x22;
    dsb();
    wait_idle();
    program_mode(FLASH_PSIZE_X16, 0);
    *(volatile uint16_t *)(S1 + 0x10) = 0x4433;
    dsb();
    wait_idle();
    program_mode(FLASH_PSIZE_X32, FLASH_CR_EOPIE);
    uint32_t t0 = cycles();
    *(volatile uint32_t *)(S1 + 0x20) = 0x88776655u;
    dsb();
    wait_idle();
    say_kv("fl_prog32_cycles", cycles() - t0);
    say_kv("fl_eop", (errors() & FLASH_SR_EOP) != 0);
    program_mode(FLASH_PSIZE_X64, 0);
    *(volatile uint32_t *)(S1 + 0x30) = 0xDDCCBBAAu;
    __asm__ volatile("isb");
    *(volatile uint32_t *)(S1 + 0x34) = 0x11FFEEDDu;
    dsb();
    wait_idle();
    say_kv("fl_x8", *(volatile uint16_t *)S1);
    say_kv("fl_x16", *(volatile uint16_t *)(S1 + 0x10));
    say_kv("fl_x32", *(volatile uint32_t *)(S1 + 0x20));
    say_kv("fl_x64_lo", *(volatile uint32_t *)(S1 + 0x30));
    say_kv("fl_x64_hi", *(volatile uint32_t *)(S1 + 0x34));
    say_kv("fl_itcm_alias", *(volatile uint32_t *)(FLASH_ITCM_BASE + (S1 - FLASH_MEM_BASE) + 0x20));
    say_kv("fl_errors_after_good", errors());

    program_mode(FLASH_PSIZE_X32, 0);           /* byte store with PSIZE x32 */
    *(volatile uint8_t *)(S1 + 0x40) = 0x00;
    dsb();
    wait_idle();
    say_kv("fl_pgperr", errors());
    say_kv("fl_pgperr_cell", *(volatile uint8_t *)(S1 + 0x40));

    program_mode(FLASH_PSIZE_X16, 0);           /* half-word across the 128-bit row at S1+0x50 */
    *(volatile uint16_t *)(S1 + 0x4F) = 0x0000;
    dsb();
    wait_idle();
    say_kv("fl_pgaerr", errors());

    wait_idle();
    FR(FLASH_CR) = FLASH_PSIZE_X32 << FLASH_CR_PSIZE_Pos;   /* PG=0 */
    *(volatile uint32_t *)(S1 + 0x60) = 0;
    dsb();
    say_kv("fl_erserr", errors());

    program_mode(FLASH_PSIZE_X32, FLASH_CR_ERRIE);          /* an error with ERRIE=1 also sets OPERR */
    *(volatile uint16_t *)(S1 + 0x70) = 0;
    dsb();
    wait_idle();
    say_kv("fl_operr", errors());

    /* Write-protect sector 5 through the option bytes (nWRP5 = 0), then try to erase it. */
    FR(FLASH_OPTKEYR) = FLASH_OPTKEY1;
    FR(FLASH_OPTKEYR) = FLASH_OPTKEY2;
    FR(FLASH_OPTCR) &= ~(1u << (FLASH_OPTCR_nWRP_Pos + S5_SNB));
    FR(FLASH_OPTCR) |= FLASH_OPTCR_OPTSTRT;
    wait_idle();
    (void)erase(S5_SNB, FLASH_PSIZE_X32);
    say_kv("fl_wrperr", errors());
    FR(FLASH_OPTCR) |= 1u << (FLASH_OPTCR_nWRP_Pos + S5_SNB);
    FR(FLASH_OPTCR) |= FLASH_OPTCR_OPTSTRT;
    wait_idle();
    FR(FLASH_OPTCR) |= FLASH_OPTCR_OPTLOCK;
    FR(FLASH_CR) = FLASH_CR_LOCK;
    say_kv("fl_relocked", (FR(FLASH_CR) & FLASH_CR_LOCK) != 0);
}
