/* The stm32boot bootloader for the STM32F746G-DISCO: boot decision (core/boot.c), then the portable core
 * (core/bl.c).
 *
 * Stay in the bootloader when (a) there is no valid application, (b) the application asked for it
 * (BOOT_REQ_STAY in no-init RAM, handoff.h), or (c) a host speaks within BL_LISTEN_MS of reset.
 * Otherwise start the application with the NOR memory-mapped, USART1 back in its reset state. */
#include <stdint.h>

#include "bl.h"
#include "board.h"
#include "boot.h"
#include "handoff.h"

int port_app_stack_ok(uint32_t a)   /* initial MSP: DTCM, SRAM1, SRAM2 are one block (RM0385 §2.3) */
{
    return a > 0x20000000u && a <= 0x20050000u;
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
    (void)board_nor_init();    /* a missing or unknown NOR still leaves the internal flash usable */
    /* A committed session (the record lives in the NOR: board_nor_init first) and sane vectors. */
    int valid = bl_app_committed() && boot_vectors_sane(APP_BASE, APP_END);
    if (valid && request == BOOT_REQ_RUN)
        boot_start(APP_BASE);
    if (up == -3) {
        for (;;) {   /* no UART: nothing we could report over; the ROM bootloader is the way in */
        }
    }
    boot_serve(!valid || request == BOOT_REQ_STAY, BL_LISTEN_MS, APP_BASE);
}
