#include "console.h"

#include "drivers/h7/gpio.h"
#include "drivers/h7/usart.h"
#include "mmio.h"
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"

int console_init(struct clock_freqs *f, clock_status_t *rc)
{
    *rc = clock_init(CLOCK_SUPPLY_DIRECT_SMPS);
    static const gpio_pin_t pins[] = {
        {.port = GPIO_PORT_D, .pin = 8, .mode = GPIO_MODE_AF, .af = 7, .speed = GPIO_SPEED_HIGH},
        {.port = GPIO_PORT_D, .pin = 9, .mode = GPIO_MODE_AF, .af = 7, .speed = GPIO_SPEED_HIGH,
         .pull = GPIO_PULL_UP},
    };
    gpio_config_many(pins, 2);
    MMIO32(RCC_BASE, RCC_APB1LENR) |= RCC_APB1LENR_USART3EN;
    (void)MMIO32(RCC_BASE, RCC_APB1LENR);   /* read back: the clock is on before the first access */
    clock_get(f);
    return usart_init(CONSOLE_UART, f->usart28_ker, 115200u) == USART_OK ? 0 : -1;
}

void say(const char *s)
{
    while (*s) {
        usart_putc(CONSOLE_UART, (uint8_t)*s++, 100000u);
    }
}

void say_kv(const char *key, uint32_t v)
{
    char buf[12];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    say(key);
    say("=");
    while (n) {
        usart_putc(CONSOLE_UART, (uint8_t)buf[--n], 100000u);
    }
    say("\n");
}
