/* Self-update of the bootloader (`doit flash-loader`): the new image is staged in AXI SRAM through the
 * protocol (CMD_STAGE), checked (CRC, vector table), then a routine that runs from RAM rewrites sector 0
 * from the stage, verifies it word by word, and resets into the new bootloader. Nothing in internal flash
 * may run while sector 0 is erased, so the routine touches only registers, the stage and its own code.
 * If the power fails in the middle, sector 0 is partial with its vector table still erased (the first
 * flash word is programmed last): the ST ROM bootloader (BOOT0 high, AN3155) or a probe writes the
 * bootloader again (README "Recovery"); the application and its record (core/apprec.h) are untouched. */
#include <stdint.h>

#include "board.h"
#include "stm32h7/flash_regs.h"
#include "handoff.h"
#include "mmio.h"
#include "port.h"
#include "protocol.h"
#include "scb_regs.h"
#include "stm32h7/stm32h735.h"

#define STAGE_SIZE (128u * 1024u)

static uint8_t stage[STAGE_SIZE] __attribute__((section(".stage"), aligned(32)));
extern uint8_t __updater_load[], __updater_start[], __updater_end[];

uint8_t *port_stage(uint32_t *size)
{
    *size = STAGE_SIZE;
    return stage;
}

int port_check_bootloader(const uint8_t *img, uint32_t len)
{
    const uint32_t *v = (const uint32_t *)(const void *)img;
    uint32_t msp = v[0], pc = v[1];
    if (len < 512u || len > FLASH_SECTOR_SIZE) return ST_BAD_IMAGE;
    if (!(msp > 0x20000000u && msp <= 0x20020000u) && !(msp > 0x24000000u && msp <= 0x24050000u))
        return ST_BAD_IMAGE;
    if (!(pc & 1u) || (pc & ~1u) < FLASH_MEM_BASE || (pc & ~1u) >= FLASH_MEM_BASE + len) return ST_BAD_IMAGE;
    return ST_OK;
}

#define FR(off) (*(volatile uint32_t *)(FLASH_R_BASE + (off)))

__attribute__((section(".updater"), noinline, noreturn, long_call))
static void update_from_ram(const volatile uint32_t *src, uint32_t len)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        if (FR(FLASH_CR) & FLASH_CR_LOCK) {
            FR(FLASH_KEYR) = FLASH_KEY1;
            FR(FLASH_KEYR) = FLASH_KEY2;
        }
        FR(FLASH_CCR) = 0xFFFFFFFFu & ~0xFu;
        FR(FLASH_CR) = FLASH_CR_SER | (2u << FLASH_CR_PSIZE_Pos) | FLASH_CR_START;   /* SNB = 0 */
        while (FR(FLASH_SR) & FLASH_SR_QW) {
        }
        FR(FLASH_CR) = 2u << FLASH_CR_PSIZE_Pos;
        int bad = (FR(FLASH_SR) & FLASH_SR_ERRORS) != 0;
        /* The flash word holding the vector table (initial MSP, reset vector) goes last: until it is
         * programmed the sector's vector table reads erased, so a cut before that never runs half a
         * bootloader, and recovery sees an empty sector (README "Recovery"). */
        for (uint32_t k = 1; k <= len / 32u && !bad; k++) {
            uint32_t off = k < len / 32u ? 32u * k : 0u;
            volatile uint32_t *dst = (volatile uint32_t *)(FLASH_MEM_BASE + off);
            FR(FLASH_CR) = FLASH_CR_PG | (2u << FLASH_CR_PSIZE_Pos);
            for (uint32_t i = 0; i < 8u; i++) dst[i] = src[off / 4u + i];
            __asm volatile("dsb" ::: "memory");
            while (FR(FLASH_SR) & FLASH_SR_QW) {
            }
            bad = (FR(FLASH_SR) & FLASH_SR_ERRORS) != 0;
        }
        FR(FLASH_CR) = 2u << FLASH_CR_PSIZE_Pos;
        for (uint32_t i = 0; i < len / 4u && !bad; i++)   /* verify what sector 0 now reads */
            bad = *(volatile uint32_t *)(FLASH_MEM_BASE + 4u * i) != src[i];
        if (!bad) break;
    }
    /* Stay in the (new) bootloader after the reset, so the host can check it. */
    *(volatile uint32_t *)BOOT_REQ_ADDR = BOOT_REQ_STAY;
    __asm volatile("dsb" ::: "memory");
    *(volatile uint32_t *)(SCB_BASE + SCB_AIRCR) = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    for (;;) {
    }
}

void port_update_bootloader(uint32_t len)
{
    board_uart_deinit();
    MMIO32(SYST_BASE, SYST_CSR) = 0;
    for (uint8_t *d = __updater_start, *s = __updater_load; d < __updater_end;)   /* code into RAM */
        *(volatile uint8_t *)d++ = *s++;
    __asm volatile("dsb\n\tisb" ::: "memory");
    uint32_t padded = (len + 31u) & ~31u;
    for (uint32_t i = len; i < padded; i++) stage[i] = 0xFF;   /* whole flash words */
    update_from_ram((const volatile uint32_t *)(const void *)stage, padded);
}
