/* core/port.h on the STM32H735G-DK: USART3 (PD8 TX / PD9 RX, AF7, the ST-LINK virtual COM port,
 * UM2679; RM0468 GPIO and USART chapters) polled at register level, time from the DWT cycle counter.
 * USART3's kernel clock is PLL2Q = 200 MHz (PLL2 VCO 400 MHz / 2): 8 Mbaud (OVER8, USARTDIV 50),
 * 2 Mbaud and 12.5 Mbaud divide exactly and 921600 is off by 0.005 % (docs/performance.md). */
#include <stdint.h>

#include "board.h"
#include "clocks.h"
#include "stm32h7/dbgmcu_regs.h"
#include "drivers/h7/gpio.h"
#include "mmio.h"
#include "port.h"
#include "protocol.h"
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"
#include "stm32h7/usart_regs.h"
#include "drivers/h7/usart.h"
#include "drivers/h7/crcunit.h"
#include "drivers/stm32/uart_console.h"
#include "handoff.h"
#include "scb_regs.h"

#define U(off) MMIO32(BOARD_UART_BASE, off)
#define RCC(off) MMIO32(RCC_BASE, off)
#define USART_KER_HZ 200000000u

/* Received bytes arrive by circular DMA (drivers/stm32/uart_console.h, drivers/h7/uart_dma.h): at 8 Mbaud
 * a byte lasts 1.25 us, less than the CPU spends filling the OCTOSPI FIFO for one NOR page, so polling RDR
 * would overrun. USART3_RX goes to DMA1 stream 1 (through DMAMUX1); the ring lives in AXI SRAM
 * (.dma_buffer, bootloader.ld: DMA1 cannot reach DTCM). */
const struct uart_console_wiring board_console = {
    .usart = BOARD_UART_BASE, .dma = DMA1_BASE, .stream = 1u, .max_baud = BOARD_MAX_BAUD,
};

static uint32_t cyc_last;
static uint64_t cyc_total;
static uint32_t cyc_per_ms = 64000u;

static int wait_rcc(uint32_t mask, uint32_t want)
{
    for (uint32_t i = 0; i < 1000000u; i++)
        if ((RCC(RCC_CR) & mask) == want)
            return 0;
    return -1;
}

/* PLL2 keeps R = 200 MHz for OCTOSPI; its Q output is enabled for USART3. DIVxEN may only change
 * while the PLL is off, and nothing uses PLL2 yet at this point of the boot. */
static int uart_clock(void)
{
    RCC(RCC_CR) &= ~RCC_CR_PLL2ON;
    if (wait_rcc(RCC_CR_PLL2RDY, 0)) return -1;
    RCC(RCC_PLLCFGR) |= RCC_PLLCFGR_DIVQ2EN;
    RCC(RCC_CR) |= RCC_CR_PLL2ON;
    if (wait_rcc(RCC_CR_PLL2RDY, RCC_CR_PLL2RDY)) return -1;
    RCC(RCC_D2CCIP2R) = (RCC(RCC_D2CCIP2R) & ~RCC_D2CCIP2R_USART28SEL_Msk) |
                        FIELD_PREP(RCC_D2CCIP2R_USART28SEL, RCC_USARTSEL_PLL2Q);
    return 0;
}

int board_init(void)
{
    if (clock_init(&board_clocks) != CLOCK_OK) return -1;
    if (uart_clock()) return -2;
    cyc_per_ms = clock_cpu_hz() / 1000u;
    cyc_last = clock_cycles();
    /* A 10 ms SysTick period, polled by nobody: its wraps are the events an idle simulator advances to,
     * so time-based decisions (the listening window, timeouts) see time pass while nothing else happens.
     * Harmless on silicon (no interrupt is enabled). */
    MMIO32(SYST_BASE, SYST_RVR) = cyc_per_ms * 10u - 1u;
    MMIO32(SYST_BASE, SYST_CVR) = 0;
    MMIO32(SYST_BASE, SYST_CSR) = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE;
    RCC(RCC_APB1LENR) |= RCC_APB1LENR_USART3EN;
    (void)RCC(RCC_APB1LENR);
    static const gpio_pin_t pins[] = {
        {GPIO_PORT_D, 8, GPIO_MODE_AF, 7, GPIO_SPEED_VHIGH, GPIO_PULL_NONE, false},
        {GPIO_PORT_D, 9, GPIO_MODE_AF, 7, GPIO_SPEED_VHIGH, GPIO_PULL_UP, false},
    };
    gpio_config_many(pins, 2);
    return uart_console_start(cyc_per_ms) ? -3 : 0;
}

/* The receive FIFO (FIFOEN, settable only with UE=0) buys time at high rates: at 8 Mbaud a byte lands
 * every 1.25 us, shorter than an OCTOSPI page transfer during which the UART is not looked at. */
int board_console_init(uint32_t baud)
{
    if (usart_init(BOARD_UART_BASE, USART_KER_HZ, baud) != USART_OK) return -1;
    U(USART_CR1) &= ~USART_CR1_UE;
    U(USART_CR1) |= USART_CR1_FIFOEN;
    U(USART_CR1) |= USART_CR1_UE;
    return 0;
}

void board_uart_deinit(void)
{
    (void)usart_flush(BOARD_UART_BASE, 10000);
    uart_console_stop();
    RCC(RCC_APB1LRSTR) |= RCC_APB1LENR_USART3EN;   /* same bit in the reset register (RM0468, RCC_APB1LRSTR) */
    RCC(RCC_APB1LRSTR) &= ~RCC_APB1LENR_USART3EN;
    RCC(RCC_D2CCIP2R) = (RCC(RCC_D2CCIP2R) & ~RCC_D2CCIP2R_USART28SEL_Msk) |
                        FIELD_PREP(RCC_D2CCIP2R_USART28SEL, RCC_USARTSEL_PLL3Q);  /* clock.c's default */
}

int port_uart_putc(uint8_t c)
{
    if (!(U(USART_ISR) & USART_ISR_TXE)) return 0;
    U(USART_TDR) = c;
    return 1;
}

void port_uart_flush(void) { (void)usart_flush(BOARD_UART_BASE, 100000); }

uint32_t port_millis(void)
{
    uint32_t now = MMIO32(DWT_BASE, DWT_CYCCNT);   /* enabled by clock_cycles() in board_init */
    cyc_total += (uint32_t)(now - cyc_last);
    cyc_last = now;
    return (uint32_t)(cyc_total / cyc_per_ms);
}

uint32_t port_chip_id(void) { return MMIO32(DBGMCU_BASE, DBGMCU_IDCODE); }
extern const struct proto_ident bl_ident;
const char *port_board_name(void) { return bl_ident.board; }

const struct flashdev *const *port_mems(unsigned *n)
{
    static const struct flashdev *const mems[] = {&iflash_dev, &nor_dev};
    *n = 2;
    return mems;
}

/* The CRC calculation unit (RM0468, CRC chapter): a word per store against a table step per byte, so the
 * NOR is read for the compare and the verify CRCs at a small fraction of the time. */
uint32_t port_crc(uint32_t crc, const uint8_t *p, uint32_t n) { return crcunit_mpeg2(crc, p, n); }

void port_reset(int run_app)
{
    MMIO32(BOOT_REQ_ADDR, 0) = run_app ? BOOT_REQ_RUN : BOOT_REQ_STAY;
    __asm volatile("dsb" ::: "memory");
    MMIO32(SCB_BASE, SCB_AIRCR) = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
    __asm volatile("dsb" ::: "memory");
    for (;;) {
    }
}
