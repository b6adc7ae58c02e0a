/* STM32F7 USART receive ring by circular DMA (RM0385 §8 DMA controller, §31.5 USART, reception using DMA).
 * The ring itself: ../stm32/uart_rx_ring.h; this family's part is how the request reaches the stream.
 *
 * The F7 USART has no receive FIFO: one RDR, and the next byte sets ORE over an unread one (RM0385 §31.5,
 * overrun error).
 * At 921600 baud a byte lasts 10.8 us, less than the core spends filling the QUADSPI FIFO with one NOR page
 * or waiting on one internal-flash program operation, so the core cannot poll RDR without losing bytes.
 *
 * Request routing (RM0385 §8.3.3, DMA2 request mapping table): USART1_RX is DMA2 stream 2 or 5, channel 4;
 * USART6_RX is DMA2 stream 1 or 2, channel 5. uart_rx_ring_start() takes a USART and stream from that
 * table (UART_RX_ERR_ARG otherwise) and sets the channel.
 *
 * Buffer placement: any RAM the DMA memory port reaches (RM0385 §2.1): SRAM1, SRAM2, or the DTCM through the
 * Cortex-M7 AHBS port; never the ITCM RAM (CPU-only: the stream stops with TEIF, UART_RX_ERR_DMA). */
#ifndef DRIVERS_F7_UART_DMA_H
#define DRIVERS_F7_UART_DMA_H

#include "../stm32/uart_rx_ring.h"

#endif
