/* GPIO registers: RM0385 §6.4 (MODER 2 bits/pin, OSPEEDR, PUPDR, AFRL/AFRH 4 bits/pin). */
#include "pins.h"

#include "mmio.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"

#define MODER 0x00u
#define OSPEEDR 0x08u
#define PUPDR 0x0Cu
#define AFRL 0x20u

static void field(uint32_t base, uint32_t off, uint32_t pos, uint32_t bits, uint32_t v)
{
    uint32_t mask = ((1u << bits) - 1u) << pos;
    MMIO32(base, off) = (MMIO32(base, off) & ~mask) | (v << pos & mask);
}

void pins_af(const struct pin_af *p, unsigned n)
{
    for (; n--; p++) {
        uint32_t b = GPIO_BASE(p->port), pin = p->pin & 15u;
        MMIO32(RCC_BASE, RCC_AHB1ENR) |= 1u << p->port;
        (void)MMIO32(RCC_BASE, RCC_AHB1ENR);
        field(b, AFRL + (pin / 8u) * 4u, (pin & 7u) * 4u, 4u, p->af);
        field(b, OSPEEDR, pin * 2u, 2u, 3u);
        field(b, PUPDR, pin * 2u, 2u, p->pull);
        field(b, MODER, pin * 2u, 2u, 2u);
    }
}
