/* Release bootloader on the STM32H735G-DK: where the highest booted security counter lives.
 *
 * The H735 has no user OTP or monotonic counter, so the counter is an append-only log of 256-bit flash
 * words (RM0468 §4, embedded flash: a flash word is programmed once after erase) in the last 8 KB of the bootloader's
 * own sector 0, which the host can never erase or write (core/memcmd.c protects the sector). A new entry is
 * programmed only after a newer image verified; an entry interrupted by a power cut fails its check and
 * is skipped, so the previous value stands. A bootloader update carries the log over (the RAM updater
 * rewrites the whole sector from the stage). 256 raises fit; a full log keeps its highest value. */
#include <string.h>

#include "board.h"
#include "stm32h7/flash_regs.h"
#include "verify.h"

#define LOG_OFF    0x1E000u                       /* inside sector 0, above the bootloader's code */
#define LOG_BASE   (0x08000000u + LOG_OFF)
#define LOG_SIZE   0x2000u
#define WORD       32u
#define LOG_MAGIC  0x5EC0C047u


struct entry { uint32_t magic, value, check, rsvd[5]; };

static int valid(const struct entry *e) { return e->magic == LOG_MAGIC && e->check == ~e->value; }
static int erased(const struct entry *e)
{
    const uint32_t *w = (const uint32_t *)(const void *)e;
    for (unsigned i = 0; i < WORD / 4u; i++)
        if (w[i] != 0xFFFFFFFFu) return 0;
    return 1;
}

uint32_t port_seccnt_get(void)
{
    uint32_t best = 0;
    for (uint32_t off = 0; off < LOG_SIZE; off += WORD) {
        const struct entry *e = (const struct entry *)(uintptr_t)(LOG_BASE + off);
        if (valid(e) && e->value > best) best = e->value;
    }
    return best;
}

int port_seccnt_raise(uint32_t n)
{
    for (uint32_t off = 0; off < LOG_SIZE; off += WORD) {
        const struct entry *e = (const struct entry *)(uintptr_t)(LOG_BASE + off);
        if (!erased(e)) continue;
        struct entry w = { LOG_MAGIC, n, ~n, {0, 0, 0, 0, 0} };
        struct fd_result r = { LOG_BASE + off, 0 };
        return iflash_dev.ops->program(&iflash_dev, LOG_BASE + off, (const uint8_t *)&w, WORD, &r);
    }
    return -1;   /* full: the stored maximum stays in force */
}

int port_keep_for_update(uint8_t *stage, uint32_t *len, uint32_t stage_size)
{
    if (*len > LOG_OFF || stage_size < FLASH_SECTOR_SIZE) return -1;
    memcpy(stage + LOG_OFF, (const void *)(uintptr_t)LOG_BASE, LOG_SIZE);
    *len = FLASH_SECTOR_SIZE;
    return 0;
}
