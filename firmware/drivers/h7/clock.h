/* Clock bring-up of an STM32H72x/73x from its HSE, and bounded waits on the DWT cycle counter.
 *
 * clock_init(cfg) (RM0468 RCC and PWR chapters) programs what the board's wiring gives (struct clock_config:
 * crystal, supply, PLL dividers, flash wait states, bus dividers, kernel clock selections):
 *   supply (LDO or direct SMPS) -> VOS0 -> HSE on -> PLL1..3 from HSE -> flash wait states -> bus dividers
 *   -> SYSCLK = PLL1 P -> kernel clocks.
 * Every wait is bounded; on a timeout the step that failed is returned and the clocks stay on HSI.
 */
#ifndef DRIVERS_H7_CLOCK_H
#define DRIVERS_H7_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    CLOCK_OK = 0,
    CLOCK_ERR_SUPPLY,   /* PWR CSR1.ACTVOSRDY never came (supply configuration refused or wrong) */
    CLOCK_ERR_VOS,      /* PWR D3CR.VOSRDY never came after selecting VOS0 */
    CLOCK_ERR_HSE,      /* HSERDY timeout: no crystal / wrong HSE mode */
    CLOCK_ERR_PLL1,
    CLOCK_ERR_PLL2,
    CLOCK_ERR_PLL3,
    CLOCK_ERR_LATENCY,  /* FLASH ACR did not take the new wait states */
    CLOCK_ERR_SWITCH,   /* CFGR.SWS never showed PLL1 */
} clock_status_t;

typedef enum {
    CLOCK_SUPPLY_LDO = 0,
    CLOCK_SUPPLY_DIRECT_SMPS = 1,
} clock_supply_t;

/* One PLL fed by HSE: input HSE / m, VCO = input x (n + frac / 8192), outputs VCO / p, q, r.
 * An output divider of 0 leaves that output disabled. */
struct clock_pll {
    uint8_t m;
    uint16_t n;
    uint16_t frac;          /* FRACN; 0: integer mode */
    uint8_t p, q, r;
};

/* A board's clock tree (its wiring: the crystal, the regulator it is built for, the frequencies it wants).
 * Divider and selection fields hold the register codes of stm32h7/rcc_regs.h. */
struct clock_config {
    uint32_t hse_hz;
    bool hse_bypass;        /* an external clock on OSC_IN instead of a crystal */
    clock_supply_t supply;  /* PWR_CR3: how the board powers the core domain (write-once after power-on) */
    uint8_t pll_range;      /* RCC_PLLRGE_*: the input range of every PLL (HSE / m) */
    struct clock_pll pll[3];
    uint8_t flash_latency;  /* FLASH_ACR LATENCY and WRHIGHFREQ for the resulting HCLK at VOS0 */
    uint8_t flash_wrhighfreq;
    uint8_t hpre;           /* RCC_HPRE_*: HCLK = SYSCLK / hpre */
    uint8_t ppre[5];        /* RCC_PPRE_*: [1] APB1 ... [4] APB4; [0] unused */
    uint8_t usart28_sel;    /* RCC_USARTSEL_*: kernel clock of USART2/3/4/5/7/8 */
    uint8_t octospi_sel;    /* RCC_OCTOSPISEL_* */
};

struct clock_freqs {
    uint32_t sysclk;      /* CPU clock */
    uint32_t hclk;        /* AHB / AXI */
    uint32_t pclk[5];     /* [1] APB1 ... [4] APB4; [0] unused */
    uint32_t usart28_ker; /* USART2/3/4/5/7/8 kernel clock */
    uint32_t usart1_ker;  /* USART1/6/9/10 kernel clock */
    uint32_t octospi_ker;
};

clock_status_t clock_init(const struct clock_config *cfg);
/* Only tell the driver the board's clocks (the HSE frequency) without programming anything: when someone
 * else set them up (an external loader). clock_init does this too; the config must outlive its use. */
void clock_use(const struct clock_config *cfg);
/* What the RCC registers program right now (computed from them, not assumed). */
void clock_get(struct clock_freqs *out);
uint32_t clock_cpu_hz(void);
const char *clock_status_str(clock_status_t s);

/* Bounded waits: a deadline in microseconds of CPU time, measured with DWT CYCCNT. The counter is read
 * only every few calls so a polling loop stays a run of identical status reads (which a simulator can
 * recognise as idle polling and fast-forward). Each counter read is charged a minimum number of cycles,
 * so a wait still ends if the counter does not move (left off by a debugger). One implementation for
 * every driver: flash, USART, OCTOSPI/NOR. */
typedef struct {
    uint32_t last;
    uint32_t calls;
    uint64_t left;     /* cycles */
} deadline_t;

void deadline_start(deadline_t *d, uint32_t timeout_us);
bool deadline_expired(deadline_t *d);
uint32_t clock_cycles(void);
/* Re-read the core clock from the RCC registers for deadlines (when clock_init did not run here, e.g. in
 * an external loader called after someone else configured the clocks). */
void clock_sync(void);
void clock_delay_us(uint32_t us);

#endif
