/* USART receive ring by circular DMA (DMA1/DMA2 + DMAMUX1; register facts from the SVD, see regs/stm32h7/dma_regs.h).
 *
 * At 8 Mbaud a byte lasts 1.25 us: a CPU that is programming flash cannot poll RDR byte by byte. A DMA
 * stream in circular mode copies every received byte from RDR into a RAM ring; the reader only looks at
 * NDTR to learn how far the DMA has written. No interrupts; every wait is bounded.
 *
 * Buffer placement: DMA1/DMA2 cannot reach DTCM or ITCM (CPU-only; the stream stops with TEIF, reported as
 * UART_RX_ERR_DMA). Put the ring in AXI SRAM or SRAM1/2, e.g. with UART_RX_DMA_BUFFER:
 *     static uint8_t rx_buf[4096] UART_RX_DMA_BUFFER;
 * `.dma_buffer` must be placed by the linker script in AXI SRAM (NOLOAD, not zeroed). Our images run
 * with the D-cache off; with the D-cache on the ring would need cache maintenance (or an MPU
 * non-cacheable region) before the CPU reads it.
 *
 * Overflow: circular DMA overwrites silently. The reader notices when the DMA has lapped it (the written
 * count runs more than `size` ahead, or an HT/TC flag that the observed progress cannot explain); it then
 * reports UART_RX_ERR_OVERFLOW once and restarts reading at the DMA's current position (the lost bytes are
 * counted in `lost`). Check at least once per half ring to catch every lap.
 */
#ifndef DRIVERS_H7_UART_DMA_H
#define DRIVERS_H7_UART_DMA_H

#include <stddef.h>
#include <stdint.h>

#define UART_RX_DMA_BUFFER __attribute__((section(".dma_buffer"), aligned(32)))

#define UART_RX_OK            0
#define UART_RX_ERR_TIMEOUT   (-1)
#define UART_RX_ERR_OVERFLOW  (-2)   /* the DMA lapped the reader: bytes were overwritten */
#define UART_RX_ERR_DMA       (-3)   /* the stream stopped (TEIF: buffer not reachable, e.g. in DTCM) */
#define UART_RX_ERR_ARG       (-4)   /* unknown USART, stream > 7, size 0 or > 65535 */
#define UART_RX_ERR_BUSY      (-5)   /* the stream did not stop (EN stayed 1) */

typedef struct {
    uint32_t usart;      /* USART base (USART3_BASE, USART1_BASE) */
    uint32_t dma;        /* DMA1_BASE or DMA2_BASE */
    uint32_t stream;     /* 0..7 */
    uint8_t *buf;
    uint32_t size;       /* ring size in bytes, <= 65535 (NDTR is 16 bits) */
    uint32_t rd;         /* next index the reader takes */
    uint32_t wr;         /* DMA write index at the last look */
    uint32_t avail;      /* bytes between rd and wr at the last look */
    uint32_t lost;       /* bytes dropped by overflows (a lower bound: laps cannot all be counted) */
    int error;           /* sticky error reported by the next call */
    uint32_t owed;       /* HT/TC crossings seen in NDTR whose flag was not yet seen (update()) */
    uint32_t polls;      /* empty getc polls, for the periodic full check */
} uart_rx_ring_t;

/* Route the USART's RX request (DMAMUX1) to the stream, start it circular over buf[size], set CR3.DMAR.
 * Call after usart_init (which clears CR3). Enables the DMA clock. A byte already in RDR is taken too. */
int uart_rx_ring_start(uart_rx_ring_t *r, uint32_t usart_base, uint32_t dma_base, uint32_t stream,
                       uint8_t *buf, uint32_t size);
/* CR3.DMAR=0, stream disabled (bounded wait). Bytes arriving afterwards land in RDR (usart_getc).
 * Safe on a zeroed ring that was never started (does nothing). */
int uart_rx_ring_stop(uart_rx_ring_t *r);
/* Bytes ready to read now (>= 0), or a negative error (reported once). */
int uart_rx_ring_available(uart_rx_ring_t *r);
/* Copy up to n bytes without waiting: count copied (may be 0), or a negative error. */
int uart_rx_ring_read(uart_rx_ring_t *r, void *dst, size_t n);
/* One byte 0..255, UART_RX_ERR_TIMEOUT after timeout_us (0: do not wait), or an error. Cheap when bytes
 * are already known to be there: no register access at all. */
int uart_rx_ring_getc(uart_rx_ring_t *r, uint32_t timeout_us);
/* Wait until at least n bytes (n <= size / 2 recommended) are ready: returns the count ready, or
 * UART_RX_ERR_TIMEOUT / an error. Waits that reach the next half-ring boundary poll the HT/TC flag, so
 * a simulator can jump straight to that point; shorter ones poll NDTR. */
int uart_rx_ring_wait(uart_rx_ring_t *r, size_t n, uint32_t timeout_us);
/* Nothing to do until more bytes come: a few more NDTR reads, back to back (free on silicon; a simulator
 * sees identical status reads as idle polling and jumps to the next byte). Returns early when NDTR moves.
 * For a polling main loop: `c = uart_rx_ring_getc(r, 0); if (c < 0) uart_rx_ring_idle(r);` */
void uart_rx_ring_idle(uart_rx_ring_t *r);
/* Direct access for zero-copy consumers: pointer to the next contiguous ready bytes and their count
 * (up to the ring's end); then uart_rx_ring_consume(). */
const uint8_t *uart_rx_ring_peek(uart_rx_ring_t *r, size_t *contiguous);
void uart_rx_ring_consume(uart_rx_ring_t *r, size_t n);
const char *uart_rx_ring_strerror(int err);

#endif
