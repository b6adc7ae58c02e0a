/* The stm32boot bootloader for the STM32H735G-DK: boot decision (core/boot.c), then the portable core
 * (core/bl.c).
 *
 * An application is valid when its last flash session completed (the core's application record,
 * core/apprec.h), its vector table is sane and, for a release bootloader, it passes verified boot
 * (core/verify.c). Stay in the bootloader when (a) there is no valid application, (b) the application asked for it
 * (BOOT_REQ_STAY in no-init RAM, handoff.h), or (c) a host speaks within BL_LISTEN_MS of reset.
 * Otherwise start the application with the NOR memory-mapped, USART3 back in its reset state. */
#include <stdint.h>

#include "bl.h"
#include "board.h"
#include "boot.h"
#include "handoff.h"
#include "verify.h"

int port_app_stack_ok(uint32_t a)   /* initial MSP: top of a RAM region counts (RM0468 memory map) */
{
    return (a > 0x20000000u && a <= 0x20020000u) || (a > 0x24000000u && a <= 0x24050000u) ||
           (a > 0x30000000u && a <= 0x30008000u) || (a > 0x38000000u && a <= 0x38004000u);
}

void port_app_handover(void)
{
    board_nor_map();            /* the application reads and executes the NOR in place */
    board_uart_deinit();
}

int main(void)
{
    volatile uint32_t *req = (volatile uint32_t *)BOOT_REQ_ADDR;
    uint32_t request = *req;
    *req = 0;
    int up = board_init();
    (void)board_nor_init();    /* a missing NOR still leaves the internal flash usable (and no app valid) */
    /* Needs the NOR initialised: the record lives there (nor.c port_app_record). */
    int valid = bl_app_committed() && boot_vectors_sane(APP_VECTORS, APP_END);
    /* Release: signature, hashes, NOR ranges, rollback (core/verify.c), at full clock with the NOR
     * mapped; development: always 1. Run even for an uncommitted application, so BOOT_STATUS can say
     * what is wrong with what the flash holds. */
    valid = vb_boot_ok(APP_BASE, APP_END - APP_BASE) && valid;
    if (valid && request == BOOT_REQ_RUN)
        boot_start(APP_VECTORS);
    if (up != 0) {
        for (;;) {   /* no clock or UART: nothing we could report over; the ROM bootloader is the way in */
        }
    }
    boot_serve(!valid || request == BOOT_REQ_STAY, BL_LISTEN_MS, APP_VECTORS);
}
