/* USART receive ring by circular DMA, for the DMA stream controller and USART that the F7 and H7 families share
 * (regs/stm32/dma_stream_regs.h, usart_common_regs.h). This file keeps the ring's bookkeeping once; each
 * family's drivers/<family>/uart_dma.c starts the stream (how its request reaches the stream: SxCR.CHSEL on
 * the F7, DMAMUX1 on the H7; the DMA clock gate) and bounds the wait for a stream to stop.
 *
 * A DMA stream in circular mode copies every received byte from RDR into a RAM ring whatever the core does;
 * the reader only looks at NDTR (how far the DMA has written) and the stream's HT/TC/TE flags. No
 * interrupts; every wait is bounded.
 *
 * Overflow: circular DMA overwrites silently. The reader notices when the DMA has lapped it (the written
 * count runs more than `size` ahead, or an HT/TC flag that the observed progress cannot explain); it then
 * reports UART_RX_ERR_OVERFLOW once and restarts reading at the DMA's current position (the lost bytes are
 * counted in `lost`). Check at least once per half ring to catch every lap.
 *
 * Buffer placement: a RAM the family's DMA memory port reaches (see the family's uart_dma.h); a memory it
 * cannot reach stops the stream with TEIF, reported as UART_RX_ERR_DMA from then on. */
#ifndef DRIVERS_STM32_UART_RX_RING_H
#define DRIVERS_STM32_UART_RX_RING_H

#include <stddef.h>
#include <stdint.h>

/* The ring's section: the linker script places `.dma_buffer` in a RAM the DMA reaches (NOLOAD, not zeroed). */
#define UART_RX_DMA_BUFFER __attribute__((section(".dma_buffer"), aligned(32)))

#define UART_RX_OK            0
#define UART_RX_ERR_TIMEOUT   (-1)   /* nothing received (getc), or not enough before the deadline (wait) */
#define UART_RX_ERR_OVERFLOW  (-2)   /* the DMA lapped the reader: bytes were overwritten */
#define UART_RX_ERR_DMA       (-3)   /* the stream stopped (TEIF: buffer not reachable) */
#define UART_RX_ERR_ARG       (-4)   /* no DMA route for this USART and stream, size < 2 or > 65535 */
#define UART_RX_ERR_BUSY      (-5)   /* the stream did not stop (EN stayed 1) */

typedef struct uart_rx_ring {
    uint32_t usart;      /* USART base */
    uint32_t dma;        /* DMA1_BASE or DMA2_BASE */
    uint32_t stream;     /* 0..7 */
    uint8_t *buf;
    uint32_t size;       /* ring size in bytes, 2..65535 (NDTR is 16 bits) */
    uint32_t rd;         /* next index the reader takes */
    uint32_t wr;         /* DMA write index at the last look */
    uint32_t avail;      /* bytes between rd and wr at the last look */
    uint32_t lost;       /* bytes dropped by overflows (a lower bound: laps cannot all be counted) */
    int error;           /* sticky error (UART_RX_ERR_DMA) reported by every later call */
    uint32_t owed;       /* HT/TC crossings seen in NDTR whose flag was not yet seen */
    uint32_t polls;      /* empty getc polls, for the periodic full check */
} uart_rx_ring_t;

/* Per family (drivers/<family>/uart_dma.c): route the USART's RX request to DMA `dma_base` stream `stream`,
 * start it circular over buf[size], set CR3.DMAR. Call after the USART is initialised (CR3 = 0). Enables the
 * DMA clock; a byte already in RDR is taken too. */
int uart_rx_ring_start(uart_rx_ring_t *r, uint32_t usart_base, uint32_t dma_base, uint32_t stream,
                       uint8_t *buf, uint32_t size);
/* CR3.DMAR=0, stream disabled (bounded wait). Bytes arriving afterwards land in RDR. Safe on a zeroed ring
 * that was never started (touches no register). */
int uart_rx_ring_stop(uart_rx_ring_t *r);
/* Bytes ready to read now (>= 0), or a negative error (an overflow is reported once). */
int uart_rx_ring_available(uart_rx_ring_t *r);
/* Copy up to n bytes without waiting: count copied (may be 0), or a negative error. */
int uart_rx_ring_read(uart_rx_ring_t *r, void *dst, size_t n);
/* The next received bytes that lie contiguous in the ring, without waiting: *p points at them and the count
 * (> 0, up to the ring's end) is returned, or UART_RX_ERR_TIMEOUT when none has come, or an error. No
 * register access while bytes already known to be there remain; one NDTR read when empty. Take them with
 * uart_rx_ring_consume(). */
int uart_rx_ring_fetch(uart_rx_ring_t *r, const uint8_t **p);
/* One byte 0..255 the same way (uart_rx_ring_fetch, then consume one). */
int uart_rx_ring_getc(uart_rx_ring_t *r);
/* Nothing to do until more bytes come: a few more NDTR reads, back to back (free on silicon; a simulator
 * sees identical status reads as idle polling and jumps to the next byte). Returns early when NDTR moves.
 * For a polling main loop: `c = uart_rx_ring_getc(r); if (c < 0) uart_rx_ring_idle(r);` */
void uart_rx_ring_idle(uart_rx_ring_t *r);
/* Direct access for zero-copy consumers: pointer to the next contiguous bytes known ready at the last look
 * (no register access; uart_rx_ring_fetch looks again when none are) and their count, up to the ring's end;
 * then uart_rx_ring_consume(). */
const uint8_t *uart_rx_ring_peek(uart_rx_ring_t *r, size_t *contiguous);
void uart_rx_ring_consume(uart_rx_ring_t *r, size_t n);
const char *uart_rx_ring_strerror(int err);
/* Addresses of the stream's NDTR and of the flag register holding its HT/TC/TE flags, and those three
 * flags' bits in it (core/rxidle.h). */
uint32_t uart_rx_ring_ndtr_reg(const uart_rx_ring_t *r);
uint32_t uart_rx_ring_flags_reg(const uart_rx_ring_t *r);
uint32_t uart_rx_ring_flags_mask(const uart_rx_ring_t *r);
/* The stream's flags (DMA_FLAG_*, shifted down to bit 0), and the bytes the DMA wrote after index r->wr by
 * NDTR alone (less than a lap): for a family's bounded waits. */
uint32_t uart_rx_ring_flags(const uart_rx_ring_t *r);
uint32_t uart_rx_ring_moved(const uart_rx_ring_t *r);

/* For the family's uart_rx_ring_start: uart_rx_ring_halt() turns CR3.DMAR off, stops the stream and clears its
 * flags; uart_rx_ring_run() points the stream at RDR and the ring and starts it circular, byte to byte, with
 * the family's extra SxCR bits (`cr_family`: request channel, bufferable), then sets CR3.DMAR. */
int uart_rx_ring_halt(uart_rx_ring_t *r);
void uart_rx_ring_run(uart_rx_ring_t *r, uint32_t cr_family);
/* Provided by the family: disable the stream and wait, bounded, until EN reads 0 (RM0385 §8.3, RM0468 DMA:
 * EN stays 1 until the current transfer ends). UART_RX_OK or UART_RX_ERR_BUSY. */
int uart_rx_ring_stream_off(uart_rx_ring_t *r);

#endif
