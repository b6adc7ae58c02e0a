/* The demo application: prints its banner (firmware/app/banner.h) on USART3 at 115200, so the user
 * sees the firmware they just flashed run. It relies on the bootloader's hand-off: clocks up, NOR
 * memory-mapped at 0x90000000 (handoff.h), USART3 in its reset state. It links firmware/app/blreq.c, so the
 * host's HELLO brings the board back into the bootloader without a button press. */
#include <stdint.h>

#include "drivers/h7/clock.h"
#include "drivers/h7/gpio.h"
#include "drivers/h7/usart.h"
#include "banner.h"
#include "blreq.h"
#include "handoff.h"
#include "mmio.h"
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"

#ifndef DEMO_VERSION
#define DEMO_VERSION "1.0"
#endif

static void puts_(const char *s)
{
    while (*s) (void)usart_putc(USART3_BASE, (uint8_t)*s++, 10000);
}

int main(void)
{
    struct clock_freqs f;
    clock_get(&f);
    MMIO32(RCC_BASE, RCC_APB1LENR) |= RCC_APB1LENR_USART3EN;
    (void)MMIO32(RCC_BASE, RCC_APB1LENR);
    static const gpio_pin_t pins[] = {
        {GPIO_PORT_D, 8, GPIO_MODE_AF, 7, GPIO_SPEED_VHIGH, GPIO_PULL_NONE, false},
        {GPIO_PORT_D, 9, GPIO_MODE_AF, 7, GPIO_SPEED_VHIGH, GPIO_PULL_UP, false},
    };
    gpio_config_many(pins, 2);
    (void)usart_init(USART3_BASE, f.usart28_ker, 115200);
    banner_print(DEMO_VERSION, "STM32H735G-DK", puts_);
    (void)usart_flush(USART3_BASE, 100000);
    /* Listen on the console: the host's HELLO sends us back into the bootloader (firmware/app/blreq.h). */
    struct blreq req = {{0}, 0};
    for (;;) {
        int c = usart_getc(USART3_BASE, 1000000u);
        if (c >= 0 && blreq_feed(&req, (uint8_t)c))
            blreq_enter(BOOT_REQ_ADDR, BOOT_REQ_STAY);
    }
}
