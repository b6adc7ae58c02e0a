/* core/port.h's console receive side on an STM32 USART with a circular DMA ring (uart_console.h). */
#include "uart_console.h"

#include "port.h"
#include "protocol.h"
#include "rxidle.h"
#include "uart_rx_ring.h"

#define RX_RING_SIZE 4096u    /* the core drains it at least every half ring (port_idle) */

/* A RAM the board's DMA reaches (.dma_buffer in its linker script; which RAMs: the family's uart_dma.h). */
static uint8_t rx_buf[RX_RING_SIZE] UART_RX_DMA_BUFFER;
static uart_rx_ring_t ring;
static uint32_t baud = PROTO_DEFAULT_BAUD;
static uint32_t cyc_per_ms;
static uint32_t byte_cycles;   /* CPU cycles one byte takes on the wire at `baud` (10 bits) */

static void set_rate(uint32_t b)
{
    baud = b;
    byte_cycles = (uint32_t)((uint64_t)cyc_per_ms * 10000u / b);   /* once per rate, not per idle call */
}

static int open_at(uint32_t b)
{
    (void)uart_rx_ring_stop(&ring);
    if (board_console_init(b)) return -1;
    return uart_rx_ring_start(&ring, board_console.usart, board_console.dma, board_console.stream, rx_buf,
                              RX_RING_SIZE) == UART_RX_OK ? 0 : -1;
}

int uart_console_start(uint32_t cycles_per_ms)
{
    cyc_per_ms = cycles_per_ms;
    set_rate(baud);
    return open_at(baud);
}

void uart_console_stop(void) { (void)uart_rx_ring_stop(&ring); }

const uint8_t *port_uart_peek(uint32_t *n)
{
    const uint8_t *p = 0;
    int got = uart_rx_ring_fetch(&ring, &p);   /* an overflow (bytes lost) shows as a bad frame CRC */
    *n = got > 0 ? (uint32_t)got : 0u;
    return p;
}

void port_uart_consume(uint32_t n) { uart_rx_ring_consume(&ring, n); }

/* core/rxidle.c: why these register reads. Its NDTR wait compares its first NDTR read with the later ones;
 * the looks before it (port_uart_peek) may have read NDTR too, and to a simulator identical reads carried
 * over from them could complete an idle-polling run at that first read, whose value would then already be
 * the new one: the wait would miss the byte it waits for and sleep to a later event. A flags read first
 * (free on silicon) starts the run of NDTR reads afresh, so that never happens. */
void port_idle(uint32_t want)
{
    if (want < RX_RING_SIZE / 2u)
        (void)uart_rx_ring_flags(&ring);
    rxidle_dma(want, uart_rx_ring_ndtr_reg(&ring), uart_rx_ring_flags_reg(&ring), RX_RING_SIZE, byte_cycles);
}

uint32_t port_uart_set_baud(uint32_t b)
{
    if (b == 0 || b > board_console.max_baud) return 0;
    if (open_at(b)) {
        (void)open_at(baud);   /* back to the rate the host still speaks */
        return 0;
    }
    set_rate(b);
    return b;
}

uint32_t port_uart_baud(void) { return baud; }
uint32_t port_uart_max_baud(void) { return board_console.max_baud; }
