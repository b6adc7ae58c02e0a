/* USART RX ring by circular DMA, the bookkeeping both families share: see uart_rx_ring.h. Registers:
 * regs/stm32/dma_stream_regs.h (RM0385 §8.5, RM0468 DMA registers), USART CR3.DMAR, RDR and ICR
 * (regs/stm32/usart_common_regs.h). */
#include "uart_rx_ring.h"

#include <string.h>

#include "mmio.h"
#include "stm32/dma_stream_regs.h"
#include "stm32/usart_common_regs.h"

#define DMA_REG(r, off) MMIO32((r)->dma, (off))
#define NDTR(r)         (DMA_REG(r, DMA_SxNDTR((r)->stream)) & DMA_SxNDTR_NDT_Msk)
#define SHIFT(r)        DMA_FLAG_SHIFT((r)->stream)
#define USART_ERRS      (USART_ICR_ORECF | USART_ICR_FECF | USART_ICR_NECF | USART_ICR_PECF)

uint32_t uart_rx_ring_flags(const uart_rx_ring_t *r)
{
    return (DMA_REG(r, DMA_ISR_OFF(r->stream)) >> SHIFT(r)) & DMA_FLAG_ALL;
}

/* DMA write index from an NDTR value (NDTR counts down from size; it reloads to size after each lap). */
static uint32_t pos_of(const uart_rx_ring_t *r, uint32_t ndtr)
{
    return (ndtr == 0u || ndtr >= r->size) ? 0u : r->size - ndtr;
}

/* Learn how far the DMA has written: flags, then NDTR (two reads). A boundary crossed between the two
 * reads is in this advance but its flag is seen only next time: it is "owed" and explains that flag then.
 * A set HT/TC flag that neither this advance nor an owed crossing explains means the DMA lapped us. */
static int update(uart_rx_ring_t *r)
{
    if (r->error) {
        return r->error;
    }
    uint32_t f = uart_rx_ring_flags(r), b = NDTR(r);
    if (f & ~DMA_FLAG_TEIF) {   /* clear only what was seen; TEIF stays for diagnosis (stream is dead) */
        DMA_REG(r, DMA_IFCR_OFF(r->stream)) = (f & ~DMA_FLAG_TEIF) << SHIFT(r);
    }
    if (f & DMA_FLAG_TEIF) {
        r->error = UART_RX_ERR_DMA;
        return r->error;
    }
    uint32_t p = pos_of(r, b), size = r->size, half = size / 2u;
    uint32_t adv = (p + size - r->wr) % size;
    uint32_t end = r->wr + adv;   /* < 2 * size */
    int ht_crossed = (r->wr < half && end >= half) || end >= size + half;
    int tc_crossed = end >= size;
    uint32_t crossed = (ht_crossed ? DMA_FLAG_HTIF : 0u) | (tc_crossed ? DMA_FLAG_TCIF : 0u);
    int flag_lap = (f & (DMA_FLAG_HTIF | DMA_FLAG_TCIF) & ~(crossed | r->owed)) != 0u;
    r->owed = crossed & ~f;
    r->wr = p;
    if (flag_lap || r->avail + adv > size) {
        r->lost += r->avail + adv + (flag_lap ? size : 0u);   /* at least this many were dropped */
        r->rd = p;
        r->avail = 0;
        return UART_RX_ERR_OVERFLOW;
    }
    r->avail += adv;
    return (int)r->avail;
}

int uart_rx_ring_halt(uart_rx_ring_t *r)
{
    MMIO32(r->usart, USART_CR3) &= ~USART_CR3_DMAR;
    int rc = uart_rx_ring_stream_off(r);
    DMA_REG(r, DMA_IFCR_OFF(r->stream)) = DMA_FLAG_ALL << SHIFT(r);
    return rc;
}

void uart_rx_ring_run(uart_rx_ring_t *r, uint32_t cr_family)
{
    DMA_REG(r, DMA_SxPAR(r->stream)) = r->usart + USART_RDR;
    DMA_REG(r, DMA_SxM0AR(r->stream)) = (uint32_t)(uintptr_t)r->buf;
    DMA_REG(r, DMA_SxNDTR(r->stream)) = r->size;
    DMA_REG(r, DMA_SxFCR(r->stream)) = 0;     /* direct mode: each byte read from RDR is written at once */
    /* DIR=00 peripheral-to-memory, PSIZE=MSIZE=byte, memory increment, circular, high priority. */
    uint32_t cr = cr_family | DMA_SxCR_MINC | DMA_SxCR_CIRC | (2u << DMA_SxCR_PL_Pos);
    DMA_REG(r, DMA_SxCR(r->stream)) = cr;
    DMA_REG(r, DMA_SxCR(r->stream)) = cr | DMA_SxCR_EN;
    MMIO32(r->usart, USART_ICR) = USART_ERRS;   /* ICR bits sit at the ISR error flags' positions */
    MMIO32(r->usart, USART_CR3) |= USART_CR3_DMAR;
}

int uart_rx_ring_stop(uart_rx_ring_t *r)
{
    if (!r->usart || !r->dma) {
        return UART_RX_OK;   /* never started (zeroed): nothing to stop, touch no register */
    }
    return uart_rx_ring_halt(r);
}

int uart_rx_ring_available(uart_rx_ring_t *r)
{
    return update(r);
}

const uint8_t *uart_rx_ring_peek(uart_rx_ring_t *r, size_t *contiguous)
{
    uint32_t run = r->size - r->rd;
    *contiguous = r->avail < run ? r->avail : run;
    return r->buf + r->rd;
}

void uart_rx_ring_consume(uart_rx_ring_t *r, size_t n)
{
    if (n > r->avail) {
        n = r->avail;
    }
    r->avail -= (uint32_t)n;
    r->rd += (uint32_t)n;
    if (r->rd >= r->size) {
        r->rd -= r->size;
    }
}

int uart_rx_ring_read(uart_rx_ring_t *r, void *dst, size_t n)
{
    if (r->avail < n || r->error) {
        int rc = update(r);
        if (rc < 0) {
            return rc;
        }
    }
    size_t done = 0;
    while (done < n && r->avail) {
        size_t run;
        const uint8_t *p = uart_rx_ring_peek(r, &run);
        if (run > n - done) {
            run = n - done;
        }
        memcpy((uint8_t *)dst + done, p, run);
        uart_rx_ring_consume(r, run);
        done += run;
    }
    return (int)done;
}

int uart_rx_ring_fetch(uart_rx_ring_t *r, const uint8_t **p)
{
    if (!r->avail) {
        /* Empty: one NDTR read says whether anything came (a full update every 64 empty polls notices
         * a dead stream or an exact lap). */
        if (!r->error && (++r->polls & 63u) && pos_of(r, NDTR(r)) == r->wr) {
            return UART_RX_ERR_TIMEOUT;
        }
        int rc = update(r);
        if (rc < 0) {
            return rc;
        }
        if (!r->avail) {
            return UART_RX_ERR_TIMEOUT;
        }
    }
    size_t run;
    *p = uart_rx_ring_peek(r, &run);
    return (int)run;
}

int uart_rx_ring_getc(uart_rx_ring_t *r)
{
    const uint8_t *p;
    int n = uart_rx_ring_fetch(r, &p);
    if (n < 0) {
        return n;
    }
    uint8_t c = *p;
    uart_rx_ring_consume(r, 1);
    return c;
}

uint32_t uart_rx_ring_moved(const uart_rx_ring_t *r)
{
    return (pos_of(r, NDTR(r)) + r->size - r->wr) % r->size;
}

void uart_rx_ring_idle(uart_rx_ring_t *r)
{
    uint32_t ndtr = NDTR(r);
    for (int i = 0; i < 3; i++) {
        if (NDTR(r) != ndtr) {
            return;
        }
    }
}

uint32_t uart_rx_ring_ndtr_reg(const uart_rx_ring_t *r) { return r->dma + DMA_SxNDTR(r->stream); }
uint32_t uart_rx_ring_flags_reg(const uart_rx_ring_t *r) { return r->dma + DMA_ISR_OFF(r->stream); }
uint32_t uart_rx_ring_flags_mask(const uart_rx_ring_t *r)
{
    return (DMA_FLAG_HTIF | DMA_FLAG_TCIF | DMA_FLAG_TEIF) << SHIFT(r);
}

const char *uart_rx_ring_strerror(int err)
{
    switch (err) {
    case UART_RX_OK: return "ok";
    case UART_RX_ERR_TIMEOUT: return "timeout";
    case UART_RX_ERR_OVERFLOW: return "ring overflow: the DMA overwrote unread bytes";
    case UART_RX_ERR_DMA: return "DMA transfer error (TEIF): is the buffer in a memory the DMA cannot reach?";
    case UART_RX_ERR_ARG: return "bad argument (USART and stream without a DMA route, size 2..65535)";
    case UART_RX_ERR_BUSY: return "DMA stream did not stop";
    default: return "unknown error";
    }
}
