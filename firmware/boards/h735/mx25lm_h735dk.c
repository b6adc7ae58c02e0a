/* STM32H735G-DK octal NOR wiring (UM2679). */
#include "mx25lm_h735dk.h"

#include "stm32h7/rcc_regs.h"

#include "drivers/h7/clock.h"
#include "drivers/h7/gpio.h"
#include "drivers/h7/ospim.h"

/* OCTOSPI1 <-> MX25LM51245G: all very high speed, no pull except a pull-up on NCS (UM2679). */
#define NOR_PIN(port, pin, af, pull) \
    {GPIO_PORT_##port, pin, GPIO_MODE_AF, af, GPIO_SPEED_VHIGH, GPIO_PULL_##pull, false}
static const gpio_pin_t nor_pins[] = {
    NOR_PIN(G, 6, 10, UP),    /* NCS */
    NOR_PIN(F, 10, 9, NONE),  /* CLK */
    NOR_PIN(B, 2, 10, NONE),  /* DQS */
    NOR_PIN(D, 11, 9, NONE),  /* IO0 */
    NOR_PIN(D, 12, 9, NONE),  /* IO1 */
    NOR_PIN(E, 2, 9, NONE),   /* IO2 */
    NOR_PIN(D, 13, 9, NONE),  /* IO3 */
    NOR_PIN(D, 4, 10, NONE),  /* IO4 */
    NOR_PIN(D, 5, 10, NONE),  /* IO5 */
    NOR_PIN(G, 9, 9, NONE),   /* IO6 */
    NOR_PIN(D, 7, 10, NONE),  /* IO7 */
};

static const uintptr_t ospi_bases[2] = {OCTOSPI1_R_BASE, OCTOSPI2_R_BASE};

/* Smallest divider that keeps the bus at or under 100 MHz (the speed ST's settings are for). */
static uint32_t prescaler_for(uint32_t kernel_hz)
{
    uint32_t div = (kernel_hz + H735DK_NOR_BUS_HZ - 1u) / H735DK_NOR_BUS_HZ;
    return div ? div - 1u : 0u;
}

ospi_status h735dk_nor_hw_init(void)
{
    clock_sync();
    MMIO32(RCC_BASE, RCC_AHB3ENR) |= RCC_AHB3ENR_OSPI1EN | RCC_AHB3ENR_IOMNGREN;
    (void)MMIO32(RCC_BASE, RCC_AHB3ENR); /* read back: the clock is on before the first access */
    gpio_config_many(nor_pins, sizeof nor_pins / sizeof nor_pins[0]);
    /* The reset routing IS the board wiring (port 1 = OCTOSPI1, port 2 = OCTOSPI2): when the
     * registers already hold it nothing is written, so a second init under a mapped NOR is safe. */
    if (ospim_matches(OCTOSPIM_BASE, &ospim_cfg_reset))
        return OSPI_OK;
    return ospim_config(OCTOSPIM_BASE, ospi_bases, &ospim_cfg_reset);
}

ospi_status h735dk_nor_init(struct mx25lm *n)
{
    ospi_status st = h735dk_nor_hw_init();
    if (st != OSPI_OK)
        return st;
    struct clock_freqs f;
    clock_get(&f);
    n->ospi = H735DK_NOR_OSPI;
    n->prescaler = prescaler_for(f.octospi_ker);
    return mx25lm_init(n);
}

void h735dk_nor_attach(struct mx25lm *n)
{
    clock_sync();
    mx25lm_attach_dopi(n, H735DK_NOR_OSPI,
                       FIELD_GET(MMIO32(H735DK_NOR_OSPI, OCTOSPI_DCR2), OCTOSPI_DCR2_PRESCALER));
}
