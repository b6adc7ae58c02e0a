/* STM32F746G-DISCO: clocks, QUADSPI and console pins (UM1907 §6.11 QSPI, §6.9 ST-LINK VCP; pin functions
 * DS10916 table 12). 216 MHz: HSE 25 MHz / M 25 * N 432 / P 2, over-drive, 7 wait states at 2.7-3.6 V
 * (RM0385 §3.3.2 table 7), APB1 54 MHz, APB2 108 MHz. */
#include "wiring.h"

#include "drivers/f7/pins.h"
#include "drivers/f7/qspi.h"
#include "drivers/f7/sysclk.h"

static const struct sysclk_config CLOCKS = {
    .hse_hz = F746_HSE_HZ, .pllm = 25, .plln = 432, .pllp = 2, .pllq = 9, .latency = 7, .ppre1 = 4, .ppre2 = 2,
};

int wiring_clocks(void)
{
    return sysclk_init(&CLOCKS);
}

uint32_t wiring_hclk(void)
{
    struct sysclk_freqs f;
    sysclk_get(F746_HSE_HZ, &f);
    return f.hclk;
}

void wiring_qspi(void)
{
    static const struct pin_af pins[] = {
        {1, 2, 9, 0},     /* PB2  QUADSPI_CLK */
        {1, 6, 10, 1},    /* PB6  QUADSPI_BK1_NCS, pull-up: deselected while the pin is not driven */
        {3, 11, 9, 0},    /* PD11 QUADSPI_BK1_IO0 */
        {3, 12, 9, 0},    /* PD12 QUADSPI_BK1_IO1 */
        {4, 2, 9, 0},     /* PE2  QUADSPI_BK1_IO2 */
        {3, 13, 9, 0},    /* PD13 QUADSPI_BK1_IO3 */
    };
    pins_af(pins, sizeof pins / sizeof pins[0]);
    /* CLK = HCLK / 2 = 108 MHz, the N25Q128A's limit for 0xEB; NCS high >= 50 ns between commands
     * (tSHSL, both datasheets): 6 cycles at 108 MHz; 16 MB. */
    const struct qspi_config q = {.hclk_hz = wiring_hclk(), .prescaler = 1, .size_log2 = 24, .cs_high = 6};
    qspi_init(&q);
}

void wiring_console_pins(void)
{
    static const struct pin_af pins[] = {
        {0, 9, 7, 0},     /* PA9 USART1_TX */
        {1, 7, 7, 1},     /* PB7 USART1_RX, pull-up: an idle line reads 1 */
    };
    pins_af(pins, 2);
}
