/* USART RX ring by circular DMA on the STM32F7: see uart_dma.h. Registers: regs/stm32f7/dma_regs.h (RM0385
 * §8.5), USART CR3.DMAR (RM0385 §31.8.3). */
#include "uart_dma.h"

#include "mmio.h"
#include "stm32f7/dma_regs.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"
#include "stm32f7/usart_regs.h"

#define DMA_REG(r, off) MMIO32((r)->dma, (off))
#define SHIFT(r)        DMA_FLAG_SHIFT((r)->stream)
#define USART_ERRS      (USART_ICR_ORECF | USART_ICR_FECF | USART_ICR_NECF | USART_ICR_PECF)

/* RM0385 §8.3.3, DMA2 request mapping: the stream and channel carrying each USART's RX request. */
static const struct { uint32_t usart, stream, channel; } ROUTES[] = {
    {USART1_BASE, 2u, 4u},
    {USART6_BASE, 1u, 5u},
};

static uint32_t flags(const struct uart_rx_ring *r)
{
    return (DMA_REG(r, DMA_ISR_OFF(r->stream)) >> SHIFT(r)) & DMA_FLAG_ALL;
}

/* DMA write index from NDTR (it counts down from size and reloads to size after each lap). */
static uint32_t pos_of(const struct uart_rx_ring *r, uint32_t ndtr)
{
    return (ndtr == 0u || ndtr >= r->size) ? 0u : r->size - ndtr;
}

/* How far has the DMA written: the flags, then NDTR. A half/full boundary crossed between the two reads is
 * in this advance but its flag shows only next time: it is "owed" and explains that flag then. A set HT or
 * TC flag that neither this advance nor an owed crossing explains means the DMA lapped the reader. */
static int update(struct uart_rx_ring *r)
{
    uint32_t f = flags(r);
    uint32_t p = pos_of(r, DMA_REG(r, DMA_SxNDTR(r->stream)) & DMA_SxNDTR_NDT_Msk);
    if (f & DMA_FLAG_TEIF)
        return UART_RX_ERR_DMA;   /* the stream disabled itself; TEIF stays set for diagnosis */
    if (f)
        DMA_REG(r, DMA_IFCR_OFF(r->stream)) = f << SHIFT(r);
    uint32_t size = r->size, half = size / 2u;
    uint32_t adv = (p + size - r->wr) % size;
    uint32_t end = r->wr + adv;   /* < 2 * size */
    uint32_t crossed = (((r->wr < half && end >= half) || end >= size + half) ? DMA_FLAG_HTIF : 0u) |
                       (end >= size ? DMA_FLAG_TCIF : 0u);
    int flag_lap = (f & (DMA_FLAG_HTIF | DMA_FLAG_TCIF) & ~(crossed | r->owed)) != 0u;
    r->owed = crossed & ~f;
    r->wr = p;
    if (flag_lap || r->avail + adv > size) {
        r->lost += r->avail + adv + (flag_lap ? size : 0u);
        r->rd = p;
        r->avail = 0;
        return UART_RX_ERR_OVERFLOW;
    }
    r->avail += adv;
    return (int)r->avail;
}

static int stream_off(struct uart_rx_ring *r)
{
    DMA_REG(r, DMA_SxCR(r->stream)) &= ~DMA_SxCR_EN;
    /* EN reads 1 until the current transfer ends (RM0385 §8.3, stream disable): a few bus cycles, bounded here. */
    for (uint32_t n = 100000u; n; n--)
        if (!(DMA_REG(r, DMA_SxCR(r->stream)) & DMA_SxCR_EN))
            return UART_RX_OK;
    return UART_RX_ERR_BUSY;
}

int uart_rx_ring_start(struct uart_rx_ring *r, uint32_t usart_base, uint8_t *buf, uint32_t size)
{
    unsigned i = 0;
    while (i < sizeof ROUTES / sizeof ROUTES[0] && ROUTES[i].usart != usart_base)
        i++;
    if (i == sizeof ROUTES / sizeof ROUTES[0] || !buf || size < 2u || size > 0xFFFFu)
        return UART_RX_ERR_ARG;
    *r = (struct uart_rx_ring){.usart = usart_base, .dma = DMA2_BASE, .stream = ROUTES[i].stream,
                               .buf = buf, .size = size};
    MMIO32(RCC_BASE, RCC_AHB1ENR) |= RCC_AHB1ENR_DMA2EN;
    (void)MMIO32(RCC_BASE, RCC_AHB1ENR);   /* the clock is on before the first stream access */
    MMIO32(usart_base, USART_CR3) &= ~USART_CR3_DMAR;
    if (stream_off(r) != UART_RX_OK)
        return UART_RX_ERR_BUSY;
    DMA_REG(r, DMA_IFCR_OFF(r->stream)) = DMA_FLAG_ALL << SHIFT(r);
    DMA_REG(r, DMA_SxPAR(r->stream)) = usart_base + USART_RDR;
    DMA_REG(r, DMA_SxM0AR(r->stream)) = (uint32_t)(uintptr_t)buf;
    DMA_REG(r, DMA_SxNDTR(r->stream)) = size;
    DMA_REG(r, DMA_SxFCR(r->stream)) = 0;   /* direct mode: each byte read from RDR is written at once */
    /* DIR=00 peripheral-to-memory, PSIZE=MSIZE=byte, memory increment, circular, high priority. */
    uint32_t cr = (ROUTES[i].channel << DMA_SxCR_CHSEL_Pos) | DMA_SxCR_MINC | DMA_SxCR_CIRC |
                  (2u << DMA_SxCR_PL_Pos);
    DMA_REG(r, DMA_SxCR(r->stream)) = cr;
    DMA_REG(r, DMA_SxCR(r->stream)) = cr | DMA_SxCR_EN;
    MMIO32(usart_base, USART_ICR) = USART_ERRS;
    MMIO32(usart_base, USART_CR3) |= USART_CR3_DMAR;
    return UART_RX_OK;
}

int uart_rx_ring_stop(struct uart_rx_ring *r)
{
    if (!r->usart)
        return UART_RX_OK;   /* never started: touch no register */
    MMIO32(r->usart, USART_CR3) &= ~USART_CR3_DMAR;
    int rc = stream_off(r);
    DMA_REG(r, DMA_IFCR_OFF(r->stream)) = DMA_FLAG_ALL << SHIFT(r);
    return rc;
}

int uart_rx_ring_getc(struct uart_rx_ring *r)
{
    if (!r->avail) {
        /* One NDTR read says whether anything came; a full look at the flags only then (or every 64
         * empty polls, which notices a dead stream). */
        if ((++r->polls & 63u) && pos_of(r, DMA_REG(r, DMA_SxNDTR(r->stream)) & DMA_SxNDTR_NDT_Msk) == r->wr)
            return UART_RX_EMPTY;
        int rc = update(r);
        if (rc < 0)
            return rc;
        if (!r->avail)
            return UART_RX_EMPTY;
    }
    uint8_t c = r->buf[r->rd];
    r->avail--;
    if (++r->rd == r->size)
        r->rd = 0;
    return c;
}

uint32_t uart_rx_ring_ndtr_reg(const struct uart_rx_ring *r) { return r->dma + DMA_SxNDTR(r->stream); }
uint32_t uart_rx_ring_flags_reg(const struct uart_rx_ring *r) { return r->dma + DMA_ISR_OFF(r->stream); }
