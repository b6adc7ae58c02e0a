/* STM32F7 clock tree set-up (RM0385 §5.2 clocks, §5.3.2 PLLCFGR, §5.3.3 CFGR; §4.1.4 over-drive:
 * ODEN, wait ODRDY, ODSWEN, wait ODSWRDY before SYSCLK exceeds 180 MHz; §3.3.2 latency before raising
 * the clock). */
#include "sysclk.h"

#include "mmio.h"
#include "stm32f7/flash_regs.h"
#include "stm32f7/pwr_regs.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"

#define RCC(off) MMIO32(RCC_BASE, off)
#define HSI_HZ 16000000u

static int wait(uint32_t base, uint32_t off, uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < 2000000u; i++)
        if ((MMIO32(base, off) & mask) == want) return 0;
    return -1;
}

static uint32_t pllcfgr(const struct sysclk_config *c)
{
    return (uint32_t)c->pllm << RCC_PLLCFGR_PLLM_Pos | (uint32_t)c->plln << RCC_PLLCFGR_PLLN_Pos |
           (uint32_t)(c->pllp / 2u - 1u) << RCC_PLLCFGR_PLLP_Pos | RCC_PLLCFGR_PLLSRC |
           (uint32_t)c->pllq << RCC_PLLCFGR_PLLQ_Pos | (1u << 29);   /* bit 29: reserved, reset value 1 */
}

static uint32_t ppre(uint8_t div)   /* 1 -> 0, 2 -> 4, 4 -> 5, 8 -> 6, 16 -> 7 */
{
    uint32_t code = 0;
    for (uint8_t d = div; d > 1u; d >>= 1) code = code ? code + 1u : 4u;
    return code;
}

int sysclk_init(const struct sysclk_config *c)
{
    uint32_t cfgr = ppre(c->ppre1) << RCC_CFGR_PPRE1_Pos | ppre(c->ppre2) << RCC_CFGR_PPRE2_Pos | RCC_SW_PLL;
    if ((RCC(RCC_CFGR) & RCC_CFGR_SWS_Msk) >> RCC_CFGR_SWS_Pos == RCC_SW_PLL &&
        RCC(RCC_PLLCFGR) == pllcfgr(c) && (RCC(RCC_CFGR) & ~RCC_CFGR_SWS_Msk) == cfgr)
        return 0;
    if ((RCC(RCC_CFGR) & RCC_CFGR_SWS_Msk) >> RCC_CFGR_SWS_Pos == RCC_SW_PLL) {
        RCC(RCC_CFGR) &= ~RCC_CFGR_SW_Msk;                   /* back to HSI before touching the PLL */
        if (wait(RCC_BASE, RCC_CFGR, RCC_CFGR_SWS_Msk, 0)) return -1;
    }
    RCC(RCC_APB1ENR) |= RCC_APB1ENR_PWREN;
    (void)RCC(RCC_APB1ENR);
    RCC(RCC_CR) |= RCC_CR_HSEON;
    if (wait(RCC_BASE, RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY)) return -1;
    RCC(RCC_CR) &= ~RCC_CR_PLLON;
    if (wait(RCC_BASE, RCC_CR, RCC_CR_PLLRDY, 0)) return -1;
    RCC(RCC_PLLCFGR) = pllcfgr(c);
    RCC(RCC_CR) |= RCC_CR_PLLON;
    if (wait(RCC_BASE, RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY)) return -1;
    MMIO32(PWR_BASE, PWR_CR1) |= PWR_CR1_ODEN;
    if (wait(PWR_BASE, PWR_CSR1, PWR_CSR1_ODRDY, PWR_CSR1_ODRDY)) return -1;
    MMIO32(PWR_BASE, PWR_CR1) |= PWR_CR1_ODSWEN;
    if (wait(PWR_BASE, PWR_CSR1, PWR_CSR1_ODSWRDY, PWR_CSR1_ODSWRDY)) return -1;
    MMIO32(FLASH_R_BASE, FLASH_ACR) = c->latency | FLASH_ACR_PRFTEN | FLASH_ACR_ARTEN;
    if ((MMIO32(FLASH_R_BASE, FLASH_ACR) & FLASH_ACR_LATENCY_Msk) != c->latency) return -1;
    RCC(RCC_CFGR) = cfgr;
    return wait(RCC_BASE, RCC_CFGR, RCC_CFGR_SWS_Msk, RCC_SW_PLL << RCC_CFGR_SWS_Pos);
}

static uint32_t apb(uint32_t hclk, uint32_t code)
{
    return code < 4u ? hclk : hclk >> (code - 3u);
}

void sysclk_get(uint32_t hse_hz, struct sysclk_freqs *f)
{
    uint32_t cfgr = RCC(RCC_CFGR), sws = (cfgr & RCC_CFGR_SWS_Msk) >> RCC_CFGR_SWS_Pos;
    uint32_t pll = RCC(RCC_PLLCFGR);
    uint32_t sys = HSI_HZ;
    if (sws == RCC_SW_HSE) {
        sys = hse_hz;
    } else if (sws == RCC_SW_PLL) {
        uint32_t in = (pll & RCC_PLLCFGR_PLLSRC) ? hse_hz : HSI_HZ;
        uint32_t m = (pll & RCC_PLLCFGR_PLLM_Msk) >> RCC_PLLCFGR_PLLM_Pos;
        uint32_t n = (pll & RCC_PLLCFGR_PLLN_Msk) >> RCC_PLLCFGR_PLLN_Pos;
        uint32_t p = (((pll & RCC_PLLCFGR_PLLP_Msk) >> RCC_PLLCFGR_PLLP_Pos) + 1u) * 2u;
        sys = m ? (uint32_t)((uint64_t)in / m * n / p) : HSI_HZ;
    }
    f->sysclk = sys;
    f->hclk = sys;   /* HPRE stays 1 */
    f->pclk1 = apb(sys, (cfgr & RCC_CFGR_PPRE1_Msk) >> RCC_CFGR_PPRE1_Pos);
    f->pclk2 = apb(sys, (cfgr & RCC_CFGR_PPRE2_Msk) >> RCC_CFGR_PPRE2_Pos);
}
