/* USART receive ring by circular DMA on the H72x/H73x: DMA1/DMA2 reached through DMAMUX1 (register facts from
 * the SVD, see regs/stm32h7/dma_regs.h, dmamux_regs.h). The ring itself: ../stm32/uart_rx_ring.h.
 *
 * At 8 Mbaud a byte lasts 1.25 us: a CPU that is programming flash cannot poll RDR byte by byte.
 *
 * Routing: DMAMUX1 carries USART1_RX or USART3_RX to any stream 0..7 of DMA1 or DMA2.
 *
 * Buffer placement: DMA1/DMA2 cannot reach DTCM or ITCM (CPU-only; the stream stops with TEIF, reported as
 * UART_RX_ERR_DMA). Put the ring in AXI SRAM or SRAM1/2, e.g. with UART_RX_DMA_BUFFER:
 *     static uint8_t rx_buf[4096] UART_RX_DMA_BUFFER;
 * `.dma_buffer` must be placed by the linker script in AXI SRAM (NOLOAD, not zeroed). Our images run
 * with the D-cache off; with the D-cache on the ring would need cache maintenance (or an MPU
 * non-cacheable region) before the CPU reads it. */
#ifndef DRIVERS_H7_UART_DMA_H
#define DRIVERS_H7_UART_DMA_H

#include "../stm32/uart_rx_ring.h"

/* Wait until at least n bytes (n <= size / 2 recommended) are ready: returns the count ready, or
 * UART_RX_ERR_TIMEOUT / an error. Waits that reach the next half-ring boundary poll the HT/TC flag, so
 * a simulator can jump straight to that point; shorter ones poll NDTR. (Bounded by the H7 drivers'
 * deadlines, clock.h.) */
int uart_rx_ring_wait(uart_rx_ring_t *r, size_t n, uint32_t timeout_us);

#endif
