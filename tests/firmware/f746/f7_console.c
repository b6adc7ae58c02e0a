/* F746 test firmware console: 216 MHz from the 25 MHz HSE (RM0385 §5.2: PLL M=25 N=432 P=2, over-drive,
 * 7 wait states, APB1 /4, APB2 /2), USART1 115200 8N1 on PA9 (TX) / PB7 (RX), AF7 (UM1907 VCP). */
#include "f7.h"
#include "scb_regs.h"
#include "stm32f7/flash_regs.h"
#include "stm32f7/pwr_regs.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"
#include "stm32f7/usart_regs.h"

#define WAIT(cond) do { uint32_t n_ = 10000000u; while (!(cond) && --n_) { } if (!n_) return -1; } while (0)

void gpio_af(uint32_t port, uint32_t pin, uint32_t af, uint32_t pull)
{
    uint32_t b = GPIO_BASE(port);
    MMIO32(RCC_BASE, RCC_AHB1ENR) |= 1u << port;
    (void)MMIO32(RCC_BASE, RCC_AHB1ENR);
    MMIO32(b, 0x00) = (MMIO32(b, 0x00) & ~(3u << 2 * pin)) | 2u << 2 * pin;          /* MODER: AF */
    MMIO32(b, 0x08) |= 3u << 2 * pin;                                               /* very high speed */
    MMIO32(b, 0x0C) = (MMIO32(b, 0x0C) & ~(3u << 2 * pin)) | pull << 2 * pin;
    uint32_t afr = pin < 8 ? 0x20 : 0x24;
    MMIO32(b, afr) = (MMIO32(b, afr) & ~(0xFu << 4 * (pin & 7))) | af << 4 * (pin & 7);
}

uint32_t cycles(void)
{
    return MMIO32(DWT_BASE, DWT_CYCCNT);
}

static int clocks(void)
{
    MMIO32(SCB_BASE, SCB_DEMCR) |= SCB_DEMCR_TRCENA;
    MMIO32(DWT_BASE, DWT_CTRL) |= DWT_CTRL_CYCCNTENA;
    MMIO32(RCC_BASE, RCC_APB1ENR) |= RCC_APB1ENR_PWREN;
    (void)MMIO32(RCC_BASE, RCC_APB1ENR);
    MMIO32(RCC_BASE, RCC_CR) |= RCC_CR_HSEON;
    WAIT(MMIO32(RCC_BASE, RCC_CR) & RCC_CR_HSERDY);
    MMIO32(RCC_BASE, RCC_PLLCFGR) = (25u << RCC_PLLCFGR_PLLM_Pos) | (432u << RCC_PLLCFGR_PLLN_Pos) |
                                    RCC_PLLCFGR_PLLSRC | (9u << RCC_PLLCFGR_PLLQ_Pos) | RCC_PLLCFGR_RES29;
    MMIO32(RCC_BASE, RCC_CR) |= RCC_CR_PLLON;
    WAIT(MMIO32(RCC_BASE, RCC_CR) & RCC_CR_PLLRDY);
    MMIO32(PWR_BASE, PWR_CR1) |= PWR_CR1_ODEN;
    WAIT(MMIO32(PWR_BASE, PWR_CSR1) & PWR_CSR1_ODRDY);
    MMIO32(PWR_BASE, PWR_CR1) |= PWR_CR1_ODSWEN;
    WAIT(MMIO32(PWR_BASE, PWR_CSR1) & PWR_CSR1_ODSWRDY);
    MMIO32(FLASH_R_BASE, FLASH_ACR) = 7u | FLASH_ACR_PRFTEN | FLASH_ACR_ARTEN;
    if ((MMIO32(FLASH_R_BASE, FLASH_ACR) & FLASH_ACR_LATENCY_Msk) != 7u) {
        return -1;
    }
    MMIO32(RCC_BASE, RCC_CFGR) = (5u << RCC_CFGR_PPRE1_Pos) | (4u << RCC_CFGR_PPRE2_Pos) | RCC_SW_PLL;
    WAIT(((MMIO32(RCC_BASE, RCC_CFGR) & RCC_CFGR_SWS_Msk) >> RCC_CFGR_SWS_Pos) == RCC_SW_PLL);
    return 0;
}

int console_init(void)
{
    int rc = clocks();
    gpio_af(0, 9, 7, 0);      /* PA9 USART1_TX */
    gpio_af(1, 7, 7, 1);      /* PB7 USART1_RX, pull-up */
    MMIO32(RCC_BASE, RCC_APB2ENR) |= RCC_APB2ENR_USART1EN;
    (void)MMIO32(RCC_BASE, RCC_APB2ENR);
    uint32_t pclk2 = rc == 0 ? 108000000u : 16000000u;
    MMIO32(USART1_BASE, USART_BRR) = (pclk2 + 57600u) / 115200u;
    MMIO32(USART1_BASE, USART_CR1) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
    WAIT(MMIO32(USART1_BASE, USART_ISR) & USART_ISR_TEACK);
    return rc;
}

static void putc_(char c)
{
    uint32_t n = 1000000u;
    while (!(MMIO32(USART1_BASE, USART_ISR) & USART_ISR_TXE) && --n) {
    }
    MMIO32(USART1_BASE, USART_TDR) = (uint8_t)c;
}

void console_flush(void)
{
    uint32_t n = 1000000u;
    while (!(MMIO32(USART1_BASE, USART_ISR) & USART_ISR_TC) && --n) {
    }
}

void say(const char *s)
{
    while (*s) {
        putc_(*s++);
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
        putc_(buf[--n]);
    }
    say("\n");
}
