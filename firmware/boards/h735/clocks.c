/* STM32H735G-DK clocks: a 25 MHz HSE crystal and the core supplied by the direct SMPS (UM2679), run at
 * 520 MHz (RM0468 RCC chapter; VOS0). All three PLLs take HSE / 5 = 5 MHz (input range 4-8 MHz, wide VCO):
 *   PLL1 VCO 520 MHz: P 520 (SYSCLK), Q 130, R 260 MHz
 *   PLL2 VCO 400 MHz: R 200 MHz, the OCTOSPI kernel clock
 *   PLL3 VCO 5 MHz x (94 + 3046/8192) = 471.859 MHz: Q = /8 = 58.98239 MHz ~ 64 x 921600, so every standard
 *        baud rate up to 3.6864 Mbaud divides it to 0.2 ppm: the kernel clock of USART2/3/4/5/7/8
 * HCLK 260 MHz (3 wait states, WRHIGHFREQ 3 at VOS0: RM0468 FLASH_ACR table), APB1..4 130 MHz. */
#include "clocks.h"

#include "stm32h7/rcc_regs.h"

const struct clock_config board_clocks = {
    .hse_hz = 25000000u,
    .hse_bypass = false,
    .supply = CLOCK_SUPPLY_DIRECT_SMPS,
    .pll_range = RCC_PLLRGE_4_8MHZ,
    .pll = {
        {.m = 5, .n = 104, .p = 1, .q = 4, .r = 2},
        {.m = 5, .n = 80, .r = 2},
        {.m = 5, .n = 94, .frac = 3046, .q = 8},
    },
    .flash_latency = 3,
    .flash_wrhighfreq = 3,
    .hpre = RCC_HPRE_DIV2,
    .ppre = {0, RCC_PPRE_DIV2, RCC_PPRE_DIV2, RCC_PPRE_DIV2, RCC_PPRE_DIV2},
    .usart28_sel = RCC_USARTSEL_PLL3Q,
    .octospi_sel = RCC_OCTOSPISEL_PLL2R,
};
