#include "gpio.h"

#include <mmio.h>
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"

void gpio_config(const gpio_pin_t *p)
{
    uint32_t base = GPIO_BASE(p->port);
    unsigned pin = p->pin & 15u, s2 = pin * 2u;

    MMIO32(RCC_BASE, RCC_AHB4ENR) |= 1u << p->port;
    (void)MMIO32(RCC_BASE, RCC_AHB4ENR);  /* read back: the enable has taken effect (RM0468, RCC chapter) */

    uint32_t afr = pin < 8u ? GPIO_AFRL : GPIO_AFRH, s4 = (pin & 7u) * 4u;
    MMIO32(base, afr) = (MMIO32(base, afr) & ~(0xFu << s4)) | ((uint32_t)(p->af & 0xFu) << s4);
    MMIO32(base, GPIO_OSPEEDR) = (MMIO32(base, GPIO_OSPEEDR) & ~(3u << s2)) | ((uint32_t)(p->speed & 3u) << s2);
    MMIO32(base, GPIO_OTYPER) = (MMIO32(base, GPIO_OTYPER) & ~(1u << pin)) | ((uint32_t)p->open_drain << pin);
    MMIO32(base, GPIO_PUPDR) = (MMIO32(base, GPIO_PUPDR) & ~(3u << s2)) | ((uint32_t)(p->pull & 3u) << s2);
    MMIO32(base, GPIO_MODER) = (MMIO32(base, GPIO_MODER) & ~(3u << s2)) | ((uint32_t)(p->mode & 3u) << s2);
}

void gpio_config_many(const gpio_pin_t *p, unsigned n)
{
    while (n--) {
        gpio_config(p++);
    }
}

void gpio_write(unsigned port, unsigned pin, bool level)
{
    /* BSRR: one store, no read-modify-write race */
    MMIO32(GPIO_BASE(port), GPIO_BSRR) = level ? 1u << pin : 1u << (pin + 16u);
}

bool gpio_read(unsigned port, unsigned pin)
{
    return (MMIO32(GPIO_BASE(port), GPIO_IDR) >> pin) & 1u;
}
