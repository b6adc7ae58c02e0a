/* core/port.h on the STM32F746G-DISCO: USART1 (PA9 TX / PB7 RX, AF7, the ST-LINK virtual COM port,
 * UM1907 §6.9) polled at register level, time from the DWT cycle counter. USART1's kernel clock is
 * PCLK2 = 108 MHz (DCKCFGR2.USART1SEL reset value, RM0385 §5.3.25). */
#include <stdint.h>

#include "board.h"
#include "drivers/f7/uart.h"
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

static uint32_t baud = PROTO_DEFAULT_BAUD;
static uint32_t ker_hz = 16000000u;
static uint32_t cyc_last;
static uint64_t cyc_total;
static uint32_t cyc_per_ms = 16000u;

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
    if (!uart_init(BOARD_UART_BASE, ker_hz, baud)) return -3;
    return clk;
}

void board_uart_deinit(void)
{
    uart_flush(BOARD_UART_BASE, 1000000u);
    MMIO32(RCC_BASE, RCC_APB2RSTR) |= RCC_APB2RSTR_USART1RST;
    MMIO32(RCC_BASE, RCC_APB2RSTR) &= ~RCC_APB2RSTR_USART1RST;
}

static uint32_t last_rx_ms;

int port_uart_getc(void)
{
    int c = uart_getc(BOARD_UART_BASE);
    if (c >= 0) last_rx_ms = port_millis();
    return c;
}

/* Nothing arrived: three more reads of the status register the core just polled. The simulator takes
 * identical status reads in a row as idle polling and moves its clock to the next event; on silicon they
 * cost nothing. Not while bytes are arriving (a frame under way, or a byte within the last millisecond
 * during a device wait): without a receive FIFO or DMA the simulator's jump can complete a second byte
 * over an unread one (an overrun silicon would not see), so the core polls the bytes in real time then. */
void port_idle(uint32_t want)
{
    if (want == PORT_WANT_NONE ? port_millis() - last_rx_ms < 2u : want != 0u) return;
    uint32_t isr = MMIO32(BOARD_UART_BASE, USART_ISR);
    for (int i = 0; i < 3; i++)
        if (MMIO32(BOARD_UART_BASE, USART_ISR) != isr) return;
}

int port_uart_putc(uint8_t c) { return uart_putc(BOARD_UART_BASE, c); }
void port_uart_flush(void) { uart_flush(BOARD_UART_BASE, 1000000u); }

uint32_t port_uart_set_baud(uint32_t b)
{
    if (b == 0 || b > BOARD_MAX_BAUD) return 0;
    uint32_t got = uart_init(BOARD_UART_BASE, ker_hz, b);
    if (!got) {
        (void)uart_init(BOARD_UART_BASE, ker_hz, baud);
        return 0;
    }
    baud = b;
    return b;
}

uint32_t port_uart_baud(void) { return baud; }
uint32_t port_uart_max_baud(void) { return BOARD_MAX_BAUD; }

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
