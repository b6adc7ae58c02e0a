/* USART RX ring by circular DMA on the STM32F7: see uart_dma.h. What is the F7's own: the request channel in
 * SxCR.CHSEL (regs/stm32f7/dma_regs.h, RM0385 §8.3.3), the DMA2 clock gate, and a stream stop bounded by a
 * poll count. The ring's bookkeeping: ../stm32/uart_rx_ring.c. */
#include "uart_dma.h"

#include "mmio.h"
#include "stm32f7/dma_regs.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"

/* RM0385 §8.3.3, DMA2 request mapping: the streams and channel carrying each USART's RX request. */
static const struct { uint32_t usart, stream, channel; } ROUTES[] = {
    {USART1_BASE, 2u, 4u},
    {USART1_BASE, 5u, 4u},
    {USART6_BASE, 1u, 5u},
    {USART6_BASE, 2u, 5u},
};

int uart_rx_ring_stream_off(uart_rx_ring_t *r)
{
    MMIO32(r->dma, DMA_SxCR(r->stream)) &= ~DMA_SxCR_EN;
    /* EN reads 1 until the current transfer ends (RM0385 §8.3, stream disable): a few bus cycles, bounded here. */
    for (uint32_t n = 100000u; n; n--)
        if (!(MMIO32(r->dma, DMA_SxCR(r->stream)) & DMA_SxCR_EN))
            return UART_RX_OK;
    return UART_RX_ERR_BUSY;
}

int uart_rx_ring_start(uart_rx_ring_t *r, uint32_t usart_base, uint32_t dma_base, uint32_t stream,
                       uint8_t *buf, uint32_t size)
{
    unsigned i = 0;
    while (i < sizeof ROUTES / sizeof ROUTES[0] && (ROUTES[i].usart != usart_base || ROUTES[i].stream != stream))
        i++;
    if (i == sizeof ROUTES / sizeof ROUTES[0] || dma_base != DMA2_BASE || !buf || size < 2u || size > 0xFFFFu)
        return UART_RX_ERR_ARG;
    *r = (uart_rx_ring_t){.usart = usart_base, .dma = dma_base, .stream = stream, .buf = buf, .size = size};
    MMIO32(RCC_BASE, RCC_AHB1ENR) |= RCC_AHB1ENR_DMA2EN;
    (void)MMIO32(RCC_BASE, RCC_AHB1ENR);   /* the clock is on before the first stream access */
    if (uart_rx_ring_halt(r) != UART_RX_OK)
        return UART_RX_ERR_BUSY;
    uart_rx_ring_run(r, ROUTES[i].channel << DMA_SxCR_CHSEL_Pos);
    return UART_RX_OK;
}
