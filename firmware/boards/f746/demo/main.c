/* The F746 demo application: prints its banner (firmware/app/banner.h) on USART1 at 115200, so the
 * user sees the firmware they just flashed run. It relies on the bootloader's hand-off: 216 MHz, the NOR
 * memory-mapped at 0x90000000, USART1 in its reset state. It links firmware/app/blreq.c, so the host's
 * HELLO on the console sends it back into the bootloader (`stm32boot flash` needs no button). */
#include <stdint.h>

#include "banner.h"
#include "blreq.h"
#include "drivers/f7/pins.h"
#include "drivers/f7/uart.h"
#include "mmio.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"
#include "handoff.h"
#include "wiring.h"

#ifndef DEMO_VERSION
#define DEMO_VERSION "1.0"
#endif

static void puts_(const char *s)
{
    while (*s) {
        while (!uart_putc(USART1_BASE, (uint8_t)*s)) {
        }
        s++;
    }
}

int main(void)
{
    MMIO32(RCC_BASE, RCC_APB2ENR) |= RCC_APB2ENR_USART1EN;
    (void)MMIO32(RCC_BASE, RCC_APB2ENR);
    wiring_console_pins();
    (void)uart_init(USART1_BASE, wiring_hclk() / 2u, 115200);   /* PCLK2 = HCLK / 2 */
    banner_print(DEMO_VERSION, "STM32F746G-DISCO", puts_);
    uart_flush(USART1_BASE, 1000000u);
    /* Polled: at 115200 a byte takes 87 us, far longer than one pass of this loop (no receive FIFO on the
     * F7 USART, RM0385 §31). */
    struct blreq req = {{0}, 0};
    for (;;) {
        int c = uart_getc(USART1_BASE);
        if (c >= 0 && blreq_feed(&req, (uint8_t)c))
            blreq_enter(BOOT_REQ_ADDR, BOOT_REQ_STAY);
    }
}
