/* Clock bring-up for the STM32H735 from the 25 MHz HSE, and bounded waits on the DWT cycle counter.
 *
 * clock_init() (RM0468 RCC and PWR chapters; UM2679):
 *   supply (LDO or direct SMPS, a board parameter) -> VOS0 -> HSE on -> PLL1 520 MHz (M=5 N=104 P=1 Q=4 R=2)
 *   -> PLL2 (M=5 N=80, R=2: 200 MHz, the OCTOSPI kernel clock) -> PLL3 fractional (Q = 58.9824 MHz = 64 x
 *   921600: every standard baud rate up to 3.6864 Mbaud divides it exactly, to 0.2 ppm) -> flash 3 WS ->
 *   AHB /2 = 260 MHz, APB1..4 /2 = 130 MHz -> SYSCLK = PLL1P. USART2/3/4/5/7/8 kernel = PLL3Q,
 *   OCTOSPI kernel = PLL2R.
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
    CLOCK_SUPPLY_DIRECT_SMPS = 1,   /* STM32H735G-DK (UM2679) */
} clock_supply_t;

struct clock_freqs {
    uint32_t sysclk;      /* CPU clock */
    uint32_t hclk;        /* AHB / AXI */
    uint32_t pclk[5];     /* [1] APB1 ... [4] APB4; [0] unused */
    uint32_t usart28_ker; /* USART2/3/4/5/7/8 kernel clock */
    uint32_t usart1_ker;  /* USART1/6/9/10 kernel clock */
    uint32_t octospi_ker;
};

clock_status_t clock_init(clock_supply_t supply);
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
