/* STM32F7 system clock from the HSE through the main PLL (RM0385 §5.2), with over-drive and the flash
 * wait states the target frequency needs (RM0385 §3.3.2 table 7). */
#ifndef DRIVERS_F7_SYSCLK_H
#define DRIVERS_F7_SYSCLK_H

#include <stdint.h>

struct sysclk_config {
    uint32_t hse_hz;
    uint8_t pllm;       /* VCO input = HSE / M (1-2 MHz) */
    uint16_t plln;      /* VCO = input * N */
    uint8_t pllp;       /* SYSCLK = VCO / P (2, 4, 6, 8) */
    uint8_t pllq;       /* 48 MHz domain = VCO / Q */
    uint8_t latency;    /* flash wait states at this SYSCLK and 2.7-3.6 V */
    uint8_t ppre1, ppre2;   /* APB dividers 1, 2, 4, 8, 16 */
};

struct sysclk_freqs {
    uint32_t sysclk, hclk, pclk1, pclk2;
};

/* 0 when SYSCLK runs from the PLL as asked; otherwise the chip stays on HSI 16 MHz (-1). Does nothing
 * when the PLL already runs with this configuration (a second Init must not pull the clock from under
 * a running QUADSPI). */
int sysclk_init(const struct sysclk_config *c);
void sysclk_get(uint32_t hse_hz, struct sysclk_freqs *f);   /* what the RCC registers say now */

#endif
