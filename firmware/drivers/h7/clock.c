/* Clock bring-up and bounded waits (see clock.h). Facts: RM0468 RCC, PWR, FLASH (FLASH_ACR wait states). */
#include "clock.h"

#include "stm32h7/flash_regs.h"
#include <mmio.h>
#include "stm32h7/pwr_regs.h"
#include "stm32h7/rcc_regs.h"
#include "scb_regs.h"
#include "stm32h7/stm32h735.h"

#define HSE_HZ  25000000u
#define HSI_HZ  64000000u
#define CSI_HZ  4000000u

#define RCC(off) MMIO32(RCC_BASE, off)
#define PWR(off) MMIO32(PWR_BASE, off)

static uint32_t cpu_hz = HSI_HZ;  /* what deadlines convert with */

/* Each counter read is charged at least this many cycles (16 polls of a status register cost more). */
#define MIN_CYCLES_PER_CHECK 64u

/* ---- bounded waits -------------------------------------------------------------------------- */
uint32_t clock_cycles(void)
{
    /* One bus access per call: the enable bits are checked only when the counter did not move since the
     * previous call (never enabled, or a debugger or reset cleared TRCENA / CYCCNTENA). */
    static uint32_t seen;
    uint32_t now = MMIO32(DWT_BASE, DWT_CYCCNT);
    if (now != seen) {
        seen = now;
        return now;
    }
    if (!(MMIO32(SCB_BASE, SCB_DEMCR) & SCB_DEMCR_TRCENA) ||
        !(MMIO32(DWT_BASE, DWT_CTRL) & DWT_CTRL_CYCCNTENA)) {
        MMIO32(SCB_BASE, SCB_DEMCR) |= SCB_DEMCR_TRCENA;
        MMIO32(DWT_BASE, DWT_LAR) = DWT_LAR_KEY;
        MMIO32(DWT_BASE, DWT_CTRL) |= DWT_CTRL_CYCCNTENA;
    }
    return MMIO32(DWT_BASE, DWT_CYCCNT);
}

void deadline_start(deadline_t *d, uint32_t timeout_us)
{
    d->last = clock_cycles();
    d->calls = 0;
    d->left = (uint64_t)timeout_us * (cpu_hz / 1000000u);
}

bool deadline_expired(deadline_t *d)
{
    if (++d->calls & 15u) {
        return false;
    }
    uint32_t now = clock_cycles();
    uint32_t spent = now - d->last;  /* wraps correctly: checked far more often than every 2^32 cycles */
    d->last = now;
    if (spent < MIN_CYCLES_PER_CHECK) {
        spent = MIN_CYCLES_PER_CHECK;
    }
    if (spent >= d->left) {
        d->left = 0;
        return true;
    }
    d->left -= spent;
    return false;
}

void clock_delay_us(uint32_t us)
{
    deadline_t d;
    deadline_start(&d, us);
    do {
        /* Spin in registers between counter reads: a simulated delay then costs few bus accesses. */
        for (volatile uint32_t i = 0; i < 16u; i++) {
        }
    } while (!deadline_expired(&d));
}

void clock_sync(void)
{
    cpu_hz = clock_cpu_hz();
}

/* Wait until (reg & mask) == want, or the deadline passes. */
static bool wait_bits(uint32_t base, uint32_t off, uint32_t mask, uint32_t want, uint32_t timeout_us)
{
    deadline_t d;
    deadline_start(&d, timeout_us);
    while ((MMIO32(base, off) & mask) != want) {
        if (deadline_expired(&d)) {
            return (MMIO32(base, off) & mask) == want;
        }
    }
    return true;
}

/* ---- bring-up ------------------------------------------------------------------------------- */
#define TIMEOUT_US 100000u   /* HSE start-up, PLL lock, VOS: all well under 100 ms on silicon */

static uint32_t pll_divr(uint32_t n, uint32_t p, uint32_t q, uint32_t r)
{
    return FIELD_PREP(RCC_PLLDIVR_DIVN, n - 1u) | FIELD_PREP(RCC_PLLDIVR_DIVP, p - 1u) |
           FIELD_PREP(RCC_PLLDIVR_DIVQ, q - 1u) | FIELD_PREP(RCC_PLLDIVR_DIVR, r - 1u);
}

/* Supply: write-once after power-on (RM0468, PWR_CR3); then the regulator reports ACTVOSRDY. VOS0 for
 * the top clock. */
static clock_status_t power_up(clock_supply_t supply)
{
    uint32_t cr3 = PWR(PWR_CR3) & ~(PWR_CR3_BYPASS | PWR_CR3_LDOEN | PWR_CR3_SMPSEN | PWR_CR3_SMPSEXTHP |
                                    PWR_CR3_SMPSLEVEL_Msk);
    cr3 |= supply == CLOCK_SUPPLY_DIRECT_SMPS ? PWR_CR3_SMPSEN : PWR_CR3_LDOEN;
    PWR(PWR_CR3) = cr3;
    if (!wait_bits(PWR_BASE, PWR_CSR1, PWR_CSR1_ACTVOSRDY, PWR_CSR1_ACTVOSRDY, TIMEOUT_US)) {
        return CLOCK_ERR_SUPPLY;
    }
    /* VOS0 is encoded 00 on H73x (RM0468, PWR_D3CR). */
    PWR(PWR_D3CR) = (PWR(PWR_D3CR) & ~PWR_D3CR_VOS_Msk) | FIELD_PREP(PWR_D3CR_VOS, PWR_VOS_SCALE0);
    (void)PWR(PWR_D3CR);  /* read back: the write has reached PWR before VOSRDY is polled */
    if (!wait_bits(PWR_BASE, PWR_D3CR, PWR_D3CR_VOSRDY, PWR_D3CR_VOSRDY, TIMEOUT_US)) {
        return CLOCK_ERR_VOS;
    }
    return CLOCK_OK;
}

static clock_status_t hse_on(void)
{
    RCC(RCC_CR) = (RCC(RCC_CR) & ~RCC_CR_HSEBYP) | RCC_CR_HSEON;  /* crystal mode on the DK (UM2679) */
    if (!wait_bits(RCC_BASE, RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY, TIMEOUT_US)) {
        return CLOCK_ERR_HSE;
    }
    return CLOCK_OK;
}

/* PLLs can only be configured while off: if a previous stage left PLL1 as SYSCLK, go back to HSI. */
static clock_status_t plls_off(void)
{
    if (FIELD_GET(RCC(RCC_CFGR), RCC_CFGR_SWS) == RCC_SW_PLL1) {
        RCC(RCC_CFGR) = (RCC(RCC_CFGR) & ~RCC_CFGR_SW_Msk) | FIELD_PREP(RCC_CFGR_SW, RCC_SW_HSI);
        cpu_hz = HSI_HZ;
        if (!wait_bits(RCC_BASE, RCC_CFGR, RCC_CFGR_SWS_Msk, 0, TIMEOUT_US)) {
            return CLOCK_ERR_SWITCH;
        }
    }
    RCC(RCC_CR) &= ~(RCC_CR_PLL1ON | RCC_CR_PLL2ON | RCC_CR_PLL3ON);
    if (!wait_bits(RCC_BASE, RCC_CR, RCC_CR_PLL1RDY | RCC_CR_PLL2RDY | RCC_CR_PLL3RDY, 0, TIMEOUT_US)) {
        return CLOCK_ERR_PLL1;
    }
    return CLOCK_OK;
}

/* All three PLLs from HSE/5 = 5 MHz (input range 4-8 MHz, wide VCO), then each locked in turn. */
static clock_status_t plls_on(void)
{
    RCC(RCC_PLLCKSELR) = FIELD_PREP(RCC_PLLCKSELR_PLLSRC, RCC_PLLSRC_HSE) |
                         FIELD_PREP(RCC_PLLCKSELR_DIVM1, 5u) | FIELD_PREP(RCC_PLLCKSELR_DIVM2, 5u) |
                         FIELD_PREP(RCC_PLLCKSELR_DIVM3, 5u);
    RCC(RCC_PLL1DIVR) = pll_divr(104u, 1u, 4u, 2u);          /* VCO 520: P 520, Q 130, R 260 MHz */
    RCC(RCC_PLL2DIVR) = pll_divr(80u, 2u, 2u, 2u);           /* VCO 400: R 200 MHz for OCTOSPI */
    /* PLL3: VCO = 5 MHz x (94 + 3046/8192) = 471.859 MHz; Q = /8 = 58.98239 MHz ~ 64 x 921600. */
    RCC(RCC_PLL3DIVR) = pll_divr(94u, 2u, 8u, 2u);
    RCC(RCC_PLL3FRACR) = FIELD_PREP(RCC_PLLFRACR_FRACN, 3046u);
    RCC(RCC_PLLCFGR) = FIELD_PREP(RCC_PLLCFGR_PLL1RGE, RCC_PLLRGE_4_8MHZ) |
                       FIELD_PREP(RCC_PLLCFGR_PLL2RGE, RCC_PLLRGE_4_8MHZ) |
                       FIELD_PREP(RCC_PLLCFGR_PLL3RGE, RCC_PLLRGE_4_8MHZ) | RCC_PLLCFGR_PLL3FRACEN |
                       RCC_PLLCFGR_DIVP1EN | RCC_PLLCFGR_DIVQ1EN | RCC_PLLCFGR_DIVR1EN |
                       RCC_PLLCFGR_DIVR2EN | RCC_PLLCFGR_DIVQ3EN;

    static const struct { uint32_t on, rdy; clock_status_t err; } plls[] = {
        {RCC_CR_PLL1ON, RCC_CR_PLL1RDY, CLOCK_ERR_PLL1},
        {RCC_CR_PLL2ON, RCC_CR_PLL2RDY, CLOCK_ERR_PLL2},
        {RCC_CR_PLL3ON, RCC_CR_PLL3RDY, CLOCK_ERR_PLL3},
    };
    for (unsigned i = 0; i < 3u; i++) {
        RCC(RCC_CR) |= plls[i].on;
        if (!wait_bits(RCC_BASE, RCC_CR, plls[i].rdy, plls[i].rdy, TIMEOUT_US)) {
            return plls[i].err;
        }
    }
    return CLOCK_OK;
}

/* Wait states before the faster clock: 3 WS, WRHIGHFREQ 3 at HCLK 260 MHz, VOS0 (RM0468, FLASH_ACR). */
static clock_status_t flash_wait_states(void)
{
    uint32_t acr = FIELD_PREP(FLASH_ACR_LATENCY, 3u) | FIELD_PREP(FLASH_ACR_WRHIGHFREQ, 3u);
    MMIO32(FLASH_R_BASE, FLASH_ACR) = acr;
    if ((MMIO32(FLASH_R_BASE, FLASH_ACR) & (FLASH_ACR_LATENCY_Msk | FLASH_ACR_WRHIGHFREQ_Msk)) != acr) {
        return CLOCK_ERR_LATENCY;
    }
    return CLOCK_OK;
}

/* Bus dividers (HCLK 260, every APB 130 MHz), then SYSCLK from PLL1 P. */
static clock_status_t switch_to_pll1(void)
{
    RCC(RCC_D1CFGR) = FIELD_PREP(RCC_D1CFGR_D1CPRE, RCC_HPRE_DIV1) | FIELD_PREP(RCC_D1CFGR_HPRE, RCC_HPRE_DIV2) |
                      FIELD_PREP(RCC_D1CFGR_D1PPRE, RCC_PPRE_DIV2);
    RCC(RCC_D2CFGR) = FIELD_PREP(RCC_D2CFGR_D2PPRE1, RCC_PPRE_DIV2) | FIELD_PREP(RCC_D2CFGR_D2PPRE2, RCC_PPRE_DIV2);
    RCC(RCC_D3CFGR) = FIELD_PREP(RCC_D3CFGR_D3PPRE, RCC_PPRE_DIV2);

    RCC(RCC_CFGR) = (RCC(RCC_CFGR) & ~RCC_CFGR_SW_Msk) | FIELD_PREP(RCC_CFGR_SW, RCC_SW_PLL1);
    if (!wait_bits(RCC_BASE, RCC_CFGR, RCC_CFGR_SWS_Msk, FIELD_PREP(RCC_CFGR_SWS, RCC_SW_PLL1), TIMEOUT_US)) {
        return CLOCK_ERR_SWITCH;
    }
    return CLOCK_OK;
}

/* Kernel clocks: USART2..8 from PLL3 Q (a multiple of the standard baud rates), OCTOSPI from PLL2 R. */
static void kernel_clocks(void)
{
    RCC(RCC_D2CCIP2R) = (RCC(RCC_D2CCIP2R) & ~RCC_D2CCIP2R_USART28SEL_Msk) |
                        FIELD_PREP(RCC_D2CCIP2R_USART28SEL, RCC_USARTSEL_PLL3Q);
    RCC(RCC_D1CCIPR) = (RCC(RCC_D1CCIPR) & ~RCC_D1CCIPR_OCTOSPISEL_Msk) |
                       FIELD_PREP(RCC_D1CCIPR_OCTOSPISEL, RCC_OCTOSPISEL_PLL2R);
}

clock_status_t clock_init(clock_supply_t supply)
{
    clock_status_t s;
    if ((s = power_up(supply)) != CLOCK_OK || (s = hse_on()) != CLOCK_OK || (s = plls_off()) != CLOCK_OK ||
        (s = plls_on()) != CLOCK_OK || (s = flash_wait_states()) != CLOCK_OK || (s = switch_to_pll1()) != CLOCK_OK) {
        return s;
    }
    kernel_clocks();
    cpu_hz = clock_cpu_hz();
    return CLOCK_OK;
}

/* ---- frequencies computed from the registers ------------------------------------------------ */
static uint32_t pll_src_hz(void)
{
    switch (FIELD_GET(RCC(RCC_PLLCKSELR), RCC_PLLCKSELR_PLLSRC)) {
    case RCC_PLLSRC_HSI: return HSI_HZ >> FIELD_GET(RCC(RCC_CR), RCC_CR_HSIDIV);
    case RCC_PLLSRC_CSI: return CSI_HZ;
    case RCC_PLLSRC_HSE: return HSE_HZ;
    default: return 0;
    }
}

/* Output `which` (0 P, 1 Q, 2 R) of PLL n (1..3); 0 when the PLL is off. */
static uint32_t pll_out_hz(unsigned n, unsigned which)
{
    static const uint32_t rdy[] = {RCC_CR_PLL1RDY, RCC_CR_PLL2RDY, RCC_CR_PLL3RDY};
    if (!(RCC(RCC_CR) & rdy[n - 1u])) {
        return 0;
    }
    uint32_t m = (RCC(RCC_PLLCKSELR) >> (4u + 8u * (n - 1u))) & 0x3Fu;
    uint32_t divr = RCC(RCC_PLL1DIVR + 8u * (n - 1u));
    uint32_t frac = 0;
    if (RCC(RCC_PLLCFGR) & (RCC_PLLCFGR_PLL1FRACEN << (4u * (n - 1u)))) {
        frac = FIELD_GET(RCC(RCC_PLL1FRACR + 8u * (n - 1u)), RCC_PLLFRACR_FRACN);
    }
    if (m == 0) {
        return 0;
    }
    /* vco = src/m * (N + 1 + frac/8192), in 64-bit to keep the fraction */
    uint64_t vco = (uint64_t)pll_src_hz() * ((FIELD_GET(divr, RCC_PLLDIVR_DIVN) + 1u) * 8192u + frac) / m / 8192u;
    static const uint32_t pos[] = {RCC_PLLDIVR_DIVP_Pos, RCC_PLLDIVR_DIVQ_Pos, RCC_PLLDIVR_DIVR_Pos};
    return (uint32_t)(vco / (((divr >> pos[which]) & 0x7Fu) + 1u));
}

static uint32_t hpre_div(uint32_t v)  { return v < 8u ? 1u : 2u << (v - 8u) << (v >= 12u); }
static uint32_t ppre_div(uint32_t v)  { return v < 4u ? 1u : 2u << (v - 4u); }

static uint32_t sysclk_hz(void)
{
    switch (FIELD_GET(RCC(RCC_CFGR), RCC_CFGR_SWS)) {
    case RCC_SW_HSI: return HSI_HZ >> FIELD_GET(RCC(RCC_CR), RCC_CR_HSIDIV);
    case RCC_SW_CSI: return CSI_HZ;
    case RCC_SW_HSE: return HSE_HZ;
    case RCC_SW_PLL1: return pll_out_hz(1, 0);
    default: return 0;
    }
}

static uint32_t usart_ker_hz(uint32_t sel, uint32_t pclk)
{
    switch (sel) {
    case RCC_USARTSEL_PCLK: return pclk;
    case RCC_USARTSEL_PLL2Q: return pll_out_hz(2, 1);
    case RCC_USARTSEL_PLL3Q: return pll_out_hz(3, 1);
    case RCC_USARTSEL_HSI: return HSI_HZ >> FIELD_GET(RCC(RCC_CR), RCC_CR_HSIDIV);
    case RCC_USARTSEL_CSI: return CSI_HZ;
    default: return 32768u;  /* LSE */
    }
}

void clock_get(struct clock_freqs *f)
{
    uint32_t d1 = RCC(RCC_D1CFGR);
    f->sysclk = sysclk_hz() / hpre_div(FIELD_GET(d1, RCC_D1CFGR_D1CPRE));
    f->hclk = f->sysclk / hpre_div(FIELD_GET(d1, RCC_D1CFGR_HPRE));
    f->pclk[0] = 0;
    f->pclk[1] = f->hclk / ppre_div(FIELD_GET(RCC(RCC_D2CFGR), RCC_D2CFGR_D2PPRE1));
    f->pclk[2] = f->hclk / ppre_div(FIELD_GET(RCC(RCC_D2CFGR), RCC_D2CFGR_D2PPRE2));
    f->pclk[3] = f->hclk / ppre_div(FIELD_GET(d1, RCC_D1CFGR_D1PPRE));
    f->pclk[4] = f->hclk / ppre_div(FIELD_GET(RCC(RCC_D3CFGR), RCC_D3CFGR_D3PPRE));
    uint32_t ccip2 = RCC(RCC_D2CCIP2R);
    f->usart28_ker = usart_ker_hz(FIELD_GET(ccip2, RCC_D2CCIP2R_USART28SEL), f->pclk[1]);
    f->usart1_ker = usart_ker_hz(FIELD_GET(ccip2, RCC_D2CCIP2R_USART16910SEL), f->pclk[2]);
    switch (FIELD_GET(RCC(RCC_D1CCIPR), RCC_D1CCIPR_OCTOSPISEL)) {
    case RCC_OCTOSPISEL_HCLK3: f->octospi_ker = f->hclk; break;
    case RCC_OCTOSPISEL_PLL1Q: f->octospi_ker = pll_out_hz(1, 1); break;
    case RCC_OCTOSPISEL_PLL2R: f->octospi_ker = pll_out_hz(2, 2); break;
    default: f->octospi_ker = HSI_HZ >> FIELD_GET(RCC(RCC_CR), RCC_CR_HSIDIV); break;  /* per_ck = HSI */
    }
}

uint32_t clock_cpu_hz(void)
{
    struct clock_freqs f;
    clock_get(&f);
    return f.sysclk;
}

const char *clock_status_str(clock_status_t s)
{
    static const char *const names[] = {
        "ok", "supply not ready (PWR ACTVOSRDY)", "VOS0 not ready (PWR VOSRDY)", "HSE did not start",
        "PLL1 did not lock", "PLL2 did not lock", "PLL3 did not lock", "flash wait states not taken",
        "SYSCLK switch to PLL1 not confirmed",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown clock error";
}
