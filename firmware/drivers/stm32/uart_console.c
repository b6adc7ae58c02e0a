/* core/port.h's console receive side on an STM32 USART with a circular DMA ring (uart_console.h). */
#include "uart_console.h"

#include "mmio.h"
#include "port.h"
#include "protocol.h"
#include "rxidle.h"
#include "scb_regs.h"
#include "uart_rx_ring.h"

#define RX_RING_SIZE 4096u    /* the core drains it at least every half ring (port_idle) */
#define MAX_PAUSE_MS 5u       /* longest pause or unlooked stretch: far inside the core's 50 ms gap rule */

/* A RAM the board's DMA reaches (.dma_buffer in its linker script; which RAMs: the family's uart_dma.h). */
static uint8_t rx_buf[RX_RING_SIZE] UART_RX_DMA_BUFFER;
static uart_rx_ring_t ring;
static uint32_t baud = PROTO_DEFAULT_BAUD;
static uint32_t cyc_per_ms;
static struct rxidle_ring idle;   /* the ring's stream and timing for core/rxidle.c */
/* While a device works (port_idle with PORT_WANT_BUSY), the ring is looked at again no sooner than the
 * bytes the core wants (at most half a ring, at most MAX_PAUSE_MS) can have come since the last look, or
 * a half/full-transfer flag shows: those waits wake at the device's events, and a look at each of them
 * would find a few bytes the core cannot use yet. Times: DWT CYCCNT (ARMv7-M ARM C1.8), differences only. */
static uint32_t look_at;     /* cycle count at the last look at the DMA counter */
static uint32_t gate_span;   /* no look before look_at + gate_span while gated */
static uint8_t gated;
static uint8_t rearm;        /* a device wait that handles no frame: every look starts a new gate */

static uint32_t cycles(void) { return MMIO32(DWT_BASE, DWT_CYCCNT); }   /* running: the board's clock set-up */

static void set_rate(uint32_t b)
{
    baud = b;
    idle.byte_cycles = (uint32_t)((uint64_t)cyc_per_ms * 10000u / b);   /* once per rate, not per idle call */
}

static int open_at(uint32_t b)
{
    (void)uart_rx_ring_stop(&ring);
    gated = rearm = 0;
    if (board_console_init(b)) return -1;
    if (uart_rx_ring_start(&ring, board_console.usart, board_console.dma, board_console.stream, rx_buf,
                           RX_RING_SIZE) != UART_RX_OK)
        return -1;
    idle.ndtr_reg = uart_rx_ring_ndtr_reg(&ring);
    idle.flags_reg = uart_rx_ring_flags_reg(&ring);
    idle.flags_mask = uart_rx_ring_flags_mask(&ring);
    return 0;
}

int uart_console_start(uint32_t cycles_per_ms)
{
    cyc_per_ms = cycles_per_ms;
    idle.size = RX_RING_SIZE;
    idle.max_pause = cycles_per_ms * MAX_PAUSE_MS;
    set_rate(baud);
    return open_at(baud);
}

void uart_console_stop(void) { (void)uart_rx_ring_stop(&ring); }

const uint8_t *port_uart_peek(uint32_t *n)
{
    const uint8_t *p = 0;
    *n = 0u;
    if (!ring.avail) {   /* nothing known: a look at the DMA counter, unless gated */
        uint32_t now = cycles();
        if (gated && now != look_at && now - look_at < gate_span) return p;   /* (a stopped counter: no gate) */
        look_at = now;
        gated = rearm;
    }
    int got = uart_rx_ring_fetch(&ring, &p);   /* an overflow (bytes lost) shows as a bad frame CRC */
    *n = got > 0 ? (uint32_t)got : 0u;
    return p;
}

void port_uart_consume(uint32_t n) { uart_rx_ring_consume(&ring, n); }

/* The gate for `bytes` wanted (half a ring: the most the core may leave unread), in cycles. */
static uint32_t span_of(uint32_t bytes)
{
    uint64_t span = (uint64_t)(bytes < RX_RING_SIZE / 2u ? bytes : RX_RING_SIZE / 2u) * idle.byte_cycles;
    return (uint32_t)(span < idle.max_pause ? span : idle.max_pause);
}

void port_idle(uint32_t want)
{
    uint32_t bytes = want & ~PORT_WANT_BUSY;
    rearm = want == PORT_WANT_NONE;
    if (want & PORT_WANT_BUSY) {
        gate_span = span_of(bytes);   /* from the last look, whose bytes `want` already counts */
        gated = gate_span != 0u;      /* 0 wanted: any byte counts, look at every wake-up */
    } else if (gated) {   /* a look was skipped: look again before any pause */
        gated = 0;
        return;
    }
    if (rxidle_dma(&idle, want, ring.wr))
        gated = 0;   /* the ring moved past a boundary (or a byte came): look at it now */
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
