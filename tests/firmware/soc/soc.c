/* SoC test firmware. Brings the clocks up (direct SMPS, 520 MHz), opens USART3 on PD8/PD9 AF7 at
 * 115200 from the PLL3Q kernel clock, then reads one command byte and runs that scenario, reporting
 * "key=value" lines; returning from main stops the simulator (BKPT in startup.c).
 *   c: clock frequencies as computed from the RCC registers, and DWT cycles over a 1 ms SysTick wait
 *   e: echo bytes until 0x04 (E: the same at 921600 baud)
 *   o: sleep 2 ms, then read: a host that sent 3 bytes meanwhile gives an overrun
 *   f: flash program/erase and each error flag (soc_flash.c)
 */
#include "drivers/h7/clock.h"
#include "drivers/h7/usart.h"
#include "mmio.h"
#include "stm32h7/rcc_regs.h"
#include "scb_regs.h"
#include "console.h"
#include "soc.h"
#include "stm32h7/stm32h735.h"

#define UART USART3_BASE

static void scenario_clock(clock_status_t rc)
{
    struct clock_freqs f;
    clock_get(&f);
    say_kv("clock_rc", rc);
    say_kv("sysclk", f.sysclk);
    say_kv("hclk", f.hclk);
    say_kv("pclk1", f.pclk[1]);
    say_kv("usart3_ker", f.usart28_ker);
    say_kv("octospi_ker", f.octospi_ker);
    /* SysTick on the CPU clock counts 1 ms; DWT counts the same cycles */
    MMIO32(SYST_BASE, SYST_RVR) = f.sysclk / 1000u - 1u;
    MMIO32(SYST_BASE, SYST_CVR) = 0;
    uint32_t c0 = clock_cycles();
    MMIO32(SYST_BASE, SYST_CSR) = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE;
    while (!(MMIO32(SYST_BASE, SYST_CSR) & SYST_CSR_COUNTFLAG)) {
    }
    say_kv("dwt_per_ms", clock_cycles() - c0);
    MMIO32(SYST_BASE, SYST_CSR) = 0;
}

static void scenario_echo(void)
{
    for (;;) {
        int c = usart_getc(UART, 5000000u);
        if (c < 0) {
            say("\nerr=");
            say(usart_strerror(c));
            say("\n");
            return;
        }
        if (c == 4) {
            say("\nbye\n");
            return;
        }
        usart_putc(UART, (uint8_t)c, 100000u);
    }
}

static void scenario_overrun(void)
{
    say("ready\n");
    usart_flush(UART, 100000u);
    clock_delay_us(2000u);   /* a reader that is late: 3 bytes arrive meanwhile */
    int first = usart_getc(UART, 100000u);
    say_kv("overrun", first == USART_ERR_OVERRUN);
    say_kv("next", (uint32_t)usart_getc(UART, 100000u));
}

int main(void)
{
    clock_status_t rc;
    struct clock_freqs f;
    if (console_init(&f, &rc) != 0) {
        return 2;
    }
    say("?\n");   /* prompt: bytes sent before the receiver is enabled are lost, as on a board */
    int cmd = usart_getc(UART, 10000000u);
    switch (cmd) {
    case 'c': scenario_clock(rc); break;
    case 'e': scenario_echo(); break;
    case 'E':   /* echo at 921600: the PLL3Q kernel clock divides it exactly (BRR 64) */
        say("921600\n");
        usart_flush(UART, 100000u);
        usart_init(UART, f.usart28_ker, 921600u);
        scenario_echo();
        break;
    case 'o': scenario_overrun(); break;
    case 'f': scenario_flash(); break;
    default: say("unknown command\n"); break;
    }
    usart_flush(UART, 100000u);
    return rc == CLOCK_OK ? 0 : 1;
}
