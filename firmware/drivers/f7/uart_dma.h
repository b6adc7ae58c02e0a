/* STM32F7 USART receive ring by circular DMA (RM0385 §8 DMA controller, §31.5 USART, reception using DMA).
 *
 * The F7 USART has no receive FIFO: one RDR, and the next byte sets ORE over an unread one (RM0385 §31.5,
 * overrun error).
 * At 921600 baud a byte lasts 10.8 us, less than the core spends filling the QUADSPI FIFO with one NOR page
 * or waiting on one internal-flash program operation, so the core cannot poll RDR without losing bytes. A
 * DMA stream in circular mode copies every received byte from RDR into a RAM ring whatever the core does;
 * the reader looks only at NDTR (how far the DMA has written) and the stream's HT/TC/TE flags. No
 * interrupts.
 *
 * Request routing (RM0385 §8.3.3, DMA2 request mapping table): USART1_RX is DMA2 stream 2 or 5, channel 4;
 * USART6_RX is DMA2 stream 1 or 2, channel 5.
 *
 * Buffer placement: any RAM the DMA memory port reaches (RM0385 §2.1): SRAM1, SRAM2, or the DTCM through the
 * Cortex-M7 AHBS port; never the ITCM RAM (CPU-only: the stream stops with TEIF, UART_RX_ERR_DMA).
 *
 * Overflow: a ring the reader leaves unread for a whole lap is overwritten. The reader notices (more bytes
 * written than the ring holds, or an HT/TC flag its progress cannot explain), reports UART_RX_ERR_OVERFLOW
 * once and goes on from the DMA's position (the frame layer above sees a bad CRC). Read at least once per
 * half ring. */
#ifndef DRIVERS_F7_UART_DMA_H
#define DRIVERS_F7_UART_DMA_H

#include <stdint.h>

#define UART_RX_OK            0
#define UART_RX_EMPTY         (-1)   /* nothing received */
#define UART_RX_ERR_OVERFLOW  (-2)   /* the DMA lapped the reader: bytes were overwritten */
#define UART_RX_ERR_DMA       (-3)   /* the stream stopped on a transfer error (TEIF): buffer not reachable */
#define UART_RX_ERR_ARG       (-4)   /* no DMA route for this USART, size 0 or > 65535 */
#define UART_RX_ERR_BUSY      (-5)   /* the stream did not stop (EN stayed 1) */

struct uart_rx_ring {
    uint32_t usart;      /* USART base */
    uint32_t dma;        /* DMA2_BASE */
    uint32_t stream;     /* 0..7 */
    uint8_t *buf;
    uint32_t size;       /* ring size in bytes, <= 65535 (NDTR is 16 bits) */
    uint32_t rd;         /* next index the reader takes */
    uint32_t wr;         /* DMA write index at the last look */
    uint32_t avail;      /* bytes between rd and wr at the last look */
    uint32_t owed;       /* HT/TC crossings seen in NDTR whose flag was not yet seen */
    uint32_t lost;       /* bytes dropped by overflows (a lower bound) */
    uint32_t polls;      /* empty getc polls, for the periodic full look */
};

/* Start the stream that carries this USART's RX request circular over buf[size] and set CR3.DMAR. Call after
 * uart_init (which leaves CR3 at 0). Enables the DMA clock; a byte already in RDR is taken too. */
int uart_rx_ring_start(struct uart_rx_ring *r, uint32_t usart_base, uint8_t *buf, uint32_t size);
/* CR3.DMAR off and the stream stopped (bounded wait); afterwards bytes land in RDR again. Safe on a ring
 * that was never started. */
int uart_rx_ring_stop(struct uart_rx_ring *r);
/* The next byte (0..255), UART_RX_EMPTY, or an error (reported once). No register access while bytes
 * already known to be there remain. */
int uart_rx_ring_getc(struct uart_rx_ring *r);
/* The stream's NDTR and flag registers, for a board's idle loop (identical reads mean nothing arrived). */
uint32_t uart_rx_ring_ndtr_reg(const struct uart_rx_ring *r);
uint32_t uart_rx_ring_flags_reg(const struct uart_rx_ring *r);

#endif
