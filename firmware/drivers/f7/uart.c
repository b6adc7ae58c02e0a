/* STM32F7 USART (RM0385 §31.5.4 baud rate generation, §31.8 registers). */
#include "uart.h"

#include "mmio.h"
#include "stm32f7/usart_regs.h"

#define U(base, off) MMIO32(base, off)

uint32_t uart_init(uint32_t base, uint32_t ker_hz, uint32_t baud)
{
    if (baud == 0) return 0;
    /* OVER16: BRR = ker / baud (>= 16); above ker/16, OVER8: USARTDIV = 2 * ker / baud, BRR[3:0] =
     * USARTDIV[3:0] >> 1 (§31.5.4). */
    uint32_t over8 = ker_hz / baud < 16u;
    uint32_t div = over8 ? (2u * ker_hz + baud / 2u) / baud : (ker_hz + baud / 2u) / baud;
    if (div < 16u || div > 0xFFFFu) return 0;
    uint32_t got = over8 ? 2u * ker_hz / div : ker_hz / div;
    uint32_t err = got > baud ? got - baud : baud - got;
    if (err * 50u > baud) return 0;
    U(base, USART_CR1) = 0;
    U(base, USART_BRR) = over8 ? (div & ~0xFu) | (div & 0xFu) >> 1 : div;
    U(base, USART_CR1) = (over8 ? USART_CR1_OVER8 : 0u) | USART_CR1_TE | USART_CR1_RE | USART_CR1_UE;
    for (uint32_t n = 100000u; n && !(U(base, USART_ISR) & USART_ISR_TEACK); n--) {
    }
    return got;
}

int uart_getc(uint32_t base)
{
    uint32_t isr = U(base, USART_ISR);
    if (isr & USART_ISR_RXNE) return (int)(U(base, USART_RDR) & 0xFFu);
    if (isr & USART_ISR_ORE) U(base, USART_ICR) = USART_ICR_ORECF;
    return -1;
}

int uart_putc(uint32_t base, uint8_t c)
{
    if (!(U(base, USART_ISR) & USART_ISR_TXE)) return 0;
    U(base, USART_TDR) = c;
    return 1;
}

void uart_flush(uint32_t base, uint32_t spins)
{
    while (spins-- && !(U(base, USART_ISR) & USART_ISR_TC)) {
    }
}
