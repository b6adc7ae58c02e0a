/* The stm32boot bootloader for the STM32H735G-DK: boot decision, then the portable core (core/bl.c).
 *
 * An application is valid when its last flash session completed (the core's application record,
 * core/apprec.h), its vector table is sane and, for a release bootloader, it passes verified boot
 * (core/verify.c). Stay in the bootloader when (a) there is no valid application, (b) the application asked for it
 * (BOOT_REQ_STAY in no-init RAM, handoff.h), or (c) a host speaks within BL_LISTEN_MS of reset.
 * Otherwise start the application with the NOR memory-mapped, USART3 back in its reset state. */
#include <stdint.h>

#include "bl.h"
#include "board.h"
#include "handoff.h"
#include "mmio.h"
#include "port.h"
#include "scb_regs.h"
#include "verify.h"

static int in_ram(uint32_t a)   /* initial MSP: top of a RAM region counts (RM0468 memory map) */
{
    return (a > 0x20000000u && a <= 0x20020000u) || (a > 0x24000000u && a <= 0x24050000u) ||
           (a > 0x30000000u && a <= 0x30008000u) || (a > 0x38000000u && a <= 0x38004000u);
}

static int vectors_sane(void)
{
    const volatile uint32_t *v = (const volatile uint32_t *)APP_VECTORS;
    uint32_t msp = v[0], pc = v[1];
    return in_ram(msp) && (pc & 1u) && (pc & ~1u) >= APP_VECTORS + 8u && (pc & ~1u) < APP_END;
}

/* The start decision. Needs the NOR initialised: the record lives there (nor.c port_app_record). */
static int app_valid(void)
{
    return bl_app_committed() && vectors_sane();
}

__attribute__((noreturn)) static void start_app(void)
{
    board_nor_map();            /* the application reads and executes the NOR in place */
    board_uart_deinit();
    MMIO32(SYST_BASE, SYST_CSR) = 0;
    const volatile uint32_t *v = (const volatile uint32_t *)APP_VECTORS;
    uint32_t msp = v[0], pc = v[1];
    MMIO32(SCB_BASE, SCB_VTOR) = APP_VECTORS;
    __asm volatile("dsb\n\tisb\n\tmsr msp, %0\n\tbx %1" : : "r"(msp), "r"(pc) : "memory");
    __builtin_unreachable();
}

int main(void)
{
    volatile uint32_t *req = (volatile uint32_t *)BOOT_REQ_ADDR;
    uint32_t request = *req;
    *req = 0;
    int up = board_init();
    (void)board_nor_init();    /* a missing NOR still leaves the internal flash usable (and no app valid) */
    int valid = app_valid();
    /* Release: signature, hashes, NOR ranges, rollback (core/verify.c), at full clock with the NOR
     * mapped; development: always 1. Run even for an uncommitted application, so BOOT_STATUS can say
     * what is wrong with what the flash holds. */
    valid = vb_boot_ok(APP_BASE, APP_END - APP_BASE) && valid;
    if (valid && request == BOOT_REQ_RUN)
        start_app();
    if (up != 0) {
        for (;;) {   /* no clock or UART: nothing we could report over; the ROM bootloader is the way in */
        }
    }
    bl_init();
    int stay = !valid || request == BOOT_REQ_STAY;
    uint32_t t0 = port_millis();
    for (;;) {
        bl_poll();
        if (!stay && !bl_host_seen() && port_millis() - t0 > BL_LISTEN_MS)
            start_app();
    }
}
