/* core/port.h on the STM32F746G-DISCO: USART1 (PA9 TX / PB7 RX, AF7, the ST-LINK virtual COM port,
 * UM1907 §6.9), received by circular DMA and transmitted by polling, time from the DWT cycle counter.
 * USART1's kernel clock is PCLK2 = 108 MHz (DCKCFGR2.USART1SEL reset value, RM0385 §5.3.25). */
#include <stdint.h>

#include "board.h"
#include "drivers/f7/uart.h"
#include "drivers/stm32/uart_console.h"
#include "handoff.h"
#include "mmio.h"
#include "port.h"
#include "protocol.h"
#include "scb_regs.h"
#include "stm32f7/dbgmcu_regs.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"
#include "stm32f7/usart_regs.h"
#include "wiring.h"

static uint32_t ker_hz = 16000000u;
static uint32_t cyc_last;
static uint64_t cyc_total;
static uint32_t cyc_per_ms = 16000u;

/* Received bytes arrive by circular DMA (drivers/stm32/uart_console.h, drivers/f7/uart_dma.h): the F7 USART
 * has no receive FIFO and the core leaves RDR unread for longer than a byte time (a QUADSPI page, an
 * internal-flash program). USART1_RX is DMA2 stream 2, channel 4 (RM0385 §8.3.3). DMA2's memory port
 * reaches SRAM1/SRAM2 and, through the Cortex-M7 AHBS port, the DTCM (RM0385 §2.1, figure 1). The ring is
 * in SRAM1 (.dma_buffer, bootloader.ld). This bootloader leaves the D-cache off (startup.c), so the core
 * reads what the DMA wrote directly; with the D-cache on, SRAM1 would need invalidation or a non-cacheable
 * MPU region (the DTCM would not). */
const struct uart_console_wiring board_console = {
    .usart = BOARD_UART_BASE, .dma = DMA2_BASE, .stream = 2u, .max_baud = BOARD_MAX_BAUD,
};

int board_console_init(uint32_t baud) { return uart_init(BOARD_UART_BASE, ker_hz, baud) ? 0 : -1; }

int board_init(void)
{
    int clk = wiring_clocks();
    MMIO32(SCB_BASE, SCB_DEMCR) |= SCB_DEMCR_TRCENA;
    MMIO32(DWT_BASE, DWT_CTRL) |= DWT_CTRL_CYCCNTENA;
    cyc_per_ms = wiring_hclk() / 1000u;
    ker_hz = clk == 0 ? F746_PCLK2_HZ : 16000000u;
    cyc_last = MMIO32(DWT_BASE, DWT_CYCCNT);
    /* A 10 ms SysTick period, polled by nobody: its wraps are the events an idle simulator advances to,
     * so time-based decisions (the listening window, timeouts) see time pass. Harmless on silicon. */
    MMIO32(SYST_BASE, SYST_RVR) = cyc_per_ms * 10u - 1u;
    MMIO32(SYST_BASE, SYST_CVR) = 0;
    MMIO32(SYST_BASE, SYST_CSR) = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE;
    MMIO32(RCC_BASE, RCC_APB2ENR) |= RCC_APB2ENR_USART1EN;
    (void)MMIO32(RCC_BASE, RCC_APB2ENR);
    wiring_console_pins();
    if (uart_console_start(cyc_per_ms)) return -3;
    return clk;
}

void board_uart_deinit(void)
{
    uart_flush(BOARD_UART_BASE, 1000000u);
    uart_console_stop();
    MMIO32(RCC_BASE, RCC_AHB1RSTR) |= RCC_AHB1RSTR_DMA2RST;   /* DMA2 and USART1 as after reset */
    MMIO32(RCC_BASE, RCC_AHB1RSTR) &= ~RCC_AHB1RSTR_DMA2RST;
    MMIO32(RCC_BASE, RCC_AHB1ENR) &= ~RCC_AHB1ENR_DMA2EN;
    MMIO32(RCC_BASE, RCC_APB2RSTR) |= RCC_APB2RSTR_USART1RST;
    MMIO32(RCC_BASE, RCC_APB2RSTR) &= ~RCC_APB2RSTR_USART1RST;
}

int port_uart_putc(uint8_t c) { return uart_putc(BOARD_UART_BASE, c); }
void port_uart_flush(void) { uart_flush(BOARD_UART_BASE, 1000000u); }

uint32_t port_millis(void)
{
    uint32_t now = MMIO32(DWT_BASE, DWT_CYCCNT);
    cyc_total += (uint32_t)(now - cyc_last);
    cyc_last = now;
    return (uint32_t)(cyc_total / cyc_per_ms);
}

uint32_t port_chip_id(void) { return MMIO32(DBGMCU_BASE, DBGMCU_IDCODE); }
extern const struct proto_ident bl_ident;   /* ident.c: the name is kept once, in the identity record */
const char *port_board_name(void) { return bl_ident.board; }

const struct flashdev *const *port_mems(unsigned *n)
{
    static const struct flashdev *const mems[] = {&iflash_dev, &nor_dev};
    *n = 2;
    return mems;
}

void port_reset(int run_app)
{
    MMIO32(BOOT_REQ_ADDR, 0) = run_app ? BOOT_REQ_RUN : BOOT_REQ_STAY;
    __asm volatile("dsb" ::: "memory");
    MMIO32(SCB_BASE, SCB_AIRCR) = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    __asm volatile("dsb" ::: "memory");
    for (;;) {
    }
}
