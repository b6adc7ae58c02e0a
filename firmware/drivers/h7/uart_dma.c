/* USART RX ring by circular DMA on the H7: see uart_dma.h. What is the H7's own: the request through
 * DMAMUX1 (regs/stm32h7/dmamux_regs.h, from the SVD), SxCR.TRBUFF, the DMA clock gates, and waits bounded
 * by the H7 drivers' deadlines (clock.h). The ring's bookkeeping: ../stm32/uart_rx_ring.c. */
#include "uart_dma.h"

#include "clock.h"
#include "stm32h7/dma_regs.h"
#include "stm32h7/dmamux_regs.h"
#include <mmio.h>
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"

static uint32_t request_of(uint32_t usart_base)
{
    if (usart_base == USART3_BASE) return DMAMUX1_REQ_USART3_RX;
    if (usart_base == USART1_BASE) return DMAMUX1_REQ_USART1_RX;
    return 0;
}

int uart_rx_ring_stream_off(uart_rx_ring_t *r)
{
    MMIO32(r->dma, DMA_SxCR(r->stream)) &= ~DMA_SxCR_EN;
    deadline_t d;
    deadline_start(&d, 1000u);
    while (MMIO32(r->dma, DMA_SxCR(r->stream)) & DMA_SxCR_EN) {
        if (deadline_expired(&d)) {
            return (MMIO32(r->dma, DMA_SxCR(r->stream)) & DMA_SxCR_EN) ? UART_RX_ERR_BUSY : UART_RX_OK;
        }
    }
    return UART_RX_OK;
}

int uart_rx_ring_start(uart_rx_ring_t *r, uint32_t usart_base, uint32_t dma_base, uint32_t stream,
                       uint8_t *buf, uint32_t size)
{
    uint32_t req = request_of(usart_base);
    if (!req || stream > 7u || size < 2u || size > 0xFFFFu || !buf ||
        (dma_base != DMA1_BASE && dma_base != DMA2_BASE)) {
        return UART_RX_ERR_ARG;
    }
    *r = (uart_rx_ring_t){.usart = usart_base, .dma = dma_base, .stream = stream, .buf = buf, .size = size};
    MMIO32(RCC_BASE, RCC_AHB1ENR) |= dma_base == DMA1_BASE ? RCC_AHB1ENR_DMA1EN : RCC_AHB1ENR_DMA2EN;
    (void)MMIO32(RCC_BASE, RCC_AHB1ENR);   /* the clock is on before the first stream access */
    if (uart_rx_ring_halt(r) != UART_RX_OK) {
        return UART_RX_ERR_BUSY;
    }
    MMIO32(DMAMUX1_BASE, DMAMUX_CxCR(stream + (dma_base == DMA2_BASE ? 8u : 0u))) =
        FIELD_PREP(DMAMUX_CxCR_DMAREQ_ID, req);
    uart_rx_ring_run(r, DMA_SxCR_TRBUFF);
    return UART_RX_OK;
}

int uart_rx_ring_wait(uart_rx_ring_t *r, size_t n, uint32_t timeout_us)
{
    if (n > r->size) {
        n = r->size;
    }
    deadline_t d;
    deadline_start(&d, timeout_us);
    for (;;) {
        int rc = uart_rx_ring_available(r);
        if (rc < 0 || r->avail >= n) {
            return rc;
        }
        uint32_t need = (uint32_t)n - r->avail, half = r->size / 2u;
        uint32_t to_flag = r->wr < half ? half - r->wr : r->size - r->wr;
        int expired = 0;
        if (need >= to_flag) {
            /* The bytes we need reach the next HT/TC point: wait on that flag (or an error). */
            uint32_t want = (r->wr < half ? DMA_FLAG_HTIF : DMA_FLAG_TCIF) | DMA_FLAG_TEIF;
            while (!(uart_rx_ring_flags(r) & want) && !(expired = deadline_expired(&d))) {
            }
        } else {
            /* NDTR runs: a simulator jumps to the next byte. The flags are read only every 16 polls
             * (a stream that stopped on TEIF never moves NDTR again). */
            uint32_t polls = 0;
            while (uart_rx_ring_moved(r) < need && !(expired = deadline_expired(&d))) {
                if (!(++polls & 15u) && (uart_rx_ring_flags(r) & DMA_FLAG_TEIF)) {
                    break;
                }
            }
        }
        if (expired) {
            rc = uart_rx_ring_available(r);
            return (rc < 0 || r->avail >= n) ? rc : UART_RX_ERR_TIMEOUT;
        }
    }
}
