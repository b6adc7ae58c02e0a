/* Self-update of the bootloader (`doit flash-loader board=f746`): the new image is staged in DTCM through
 * the protocol (CMD_STAGE), checked (CRC, vector table), then rewritten into sector 0 by code that already
 * runs from RAM (the whole bootloader does, bootloader.ld), verified word by word, and the board resets
 * into the new bootloader. If the power fails in the middle, sector 0 is blank or partial (with its first
 * words erased, see VEC_WORDS): the ST ROM bootloader (BOOT0 high, AN2606 §31 for STM32F74xxx) is the way
 * back; the host tells the user so. */
#include <stdint.h>

#include "board.h"
#include "drivers/f7/flashctl.h"
#include "handoff.h"
#include "mmio.h"
#include "port.h"
#include "protocol.h"
#include "scb_regs.h"
#include "stm32f7/stm32f746.h"

static uint8_t stage[BL_SIZE] __attribute__((section(".stage"), aligned(8)));

uint8_t *port_stage(uint32_t *size)
{
    *size = sizeof stage;
    return stage;
}

int port_check_bootloader(const uint8_t *img, uint32_t len)
{
    const uint32_t *v = (const uint32_t *)(const void *)img;
    uint32_t msp = v[0], pc = v[1];
    if (len < 512u || len > BL_SIZE) return ST_BAD_IMAGE;
    if (!(msp > 0x20000000u && msp <= 0x20050000u)) return ST_BAD_IMAGE;
    if (!(pc & 1u) || (pc & ~1u) < FLASH_MEM_BASE || (pc & ~1u) >= FLASH_MEM_BASE + len) return ST_BAD_IMAGE;
    return ST_OK;
}

/* 1 when the operation `st` started and then ended without an error. */
static int wait(fctl_status st)
{
    if (st != FCTL_OK) return 0;
    while ((st = fctl_poll()) == FCTL_BUSY) {
    }
    return st == FCTL_OK;
}

/* The first VEC_WORDS words (the initial stack pointer and reset vector the core loads at reset, ARMv7-M
 * ARM B1.5.5) are programmed last, highest first: a power cut before them leaves them erased, and the core
 * then faults at its first fetch instead of running a partly written bootloader (docs/power-cuts.md). */
#define VEC_WORDS 8u

/* Program `count` words of sector 0 from `src`, starting at word `from`, going up (step +1) or down (-1). */
static int program_words(const uint32_t *src, uint32_t from, uint32_t count, int step)
{
    for (uint32_t k = 0; k < count; k++) {
        uint32_t i = (uint32_t)((int32_t)from + step * (int32_t)k);
        if (src[i] != 0xFFFFFFFFu && !wait(fctl_program_start(FLASH_MEM_BASE + 4u * i, src[i]))) return 0;
    }
    return 1;
}

void port_update_bootloader(uint32_t len)
{
    board_uart_deinit();
    MMIO32(SYST_BASE, SYST_CSR) = 0;
    uint32_t padded = (len + 3u) & ~3u;
    for (uint32_t i = len; i < padded; i++) stage[i] = 0xFF;
    const uint32_t *src = (const uint32_t *)(const void *)stage;
    for (int attempt = 0; attempt < 3; attempt++) {
        uint32_t words = padded / 4u;   /* > VEC_WORDS: port_check_bootloader wants 512 bytes at least */
        int ok = fctl_unlock() == FCTL_OK && wait(fctl_erase_start(0)) &&
                 program_words(src, VEC_WORDS, words - VEC_WORDS, +1) &&
                 program_words(src, VEC_WORDS - 1u, VEC_WORDS, -1);
        for (uint32_t i = 0; ok && i < padded / 4u; i++)   /* verify what sector 0 now reads */
            ok = *(volatile uint32_t *)(FLASH_MEM_BASE + 4u * i) == src[i];
        if (ok) break;
    }
    fctl_lock();
    /* Stay in the (new) bootloader after the reset, so the host can check it. */
    MMIO32(BOOT_REQ_ADDR, 0) = BOOT_REQ_STAY;
    __asm volatile("dsb" ::: "memory");
    MMIO32(SCB_BASE, SCB_AIRCR) = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    for (;;) {
    }
}
