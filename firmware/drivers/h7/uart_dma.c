/* USART RX ring by circular DMA: see uart_dma.h. Register facts: regs/stm32h7/dma_regs.h, dmamux_regs.h (from the SVD),
 * USART CR3.DMAR (RM0468, USART chapter). */
#include "uart_dma.h"

#include <string.h>

#include "clock.h"
#include "stm32h7/dma_regs.h"
#include "stm32h7/dmamux_regs.h"
#include <mmio.h>
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"
#include "stm32h7/usart_regs.h"

#define DMA_REG(r, off) MMIO32((r)->dma, (off))
#define NDTR(r)         (DMA_REG(r, DMA_SxNDTR((r)->stream)) & DMA_SxNDTR_NDT_Msk)
#define SHIFT(r)        DMA_FLAG_SHIFT((r)->stream)
#define USART_ERRS      (USART_ISR_ORE | USART_ISR_FE | USART_ISR_NE | USART_ISR_PE)

static uint32_t flags(const uart_rx_ring_t *r)
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
        int e = r->error;
        if (e == UART_RX_ERR_OVERFLOW) {
            r->error = 0;          /* reported once; the ring goes on from the DMA's position */
        }
        return e;
    }
    uint32_t f = flags(r), b = NDTR(r);
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

static uint32_t request_of(uint32_t usart_base)
{
    if (usart_base == USART3_BASE) return DMAMUX1_REQ_USART3_RX;
    if (usart_base == USART1_BASE) return DMAMUX1_REQ_USART1_RX;
    return 0;
}

static int stream_off(uart_rx_ring_t *r)
{
    DMA_REG(r, DMA_SxCR(r->stream)) &= ~DMA_SxCR_EN;
    deadline_t d;
    deadline_start(&d, 1000u);
    while (DMA_REG(r, DMA_SxCR(r->stream)) & DMA_SxCR_EN) {
        if (deadline_expired(&d)) {
            return (DMA_REG(r, DMA_SxCR(r->stream)) & DMA_SxCR_EN) ? UART_RX_ERR_BUSY : UART_RX_OK;
        }
    }
    return UART_RX_OK;
}

int uart_rx_ring_start(uart_rx_ring_t *r, uint32_t usart_base, uint32_t dma_base, uint32_t stream,
                       uint8_t *buf, uint32_t size)
{
    uint32_t req = request_of(usart_base);
    if (!req || stream > 7u || size == 0u || size > 0xFFFFu || !buf ||
        (dma_base != DMA1_BASE && dma_base != DMA2_BASE)) {
        return UART_RX_ERR_ARG;
    }
    memset(r, 0, sizeof *r);
    r->usart = usart_base;
    r->dma = dma_base;
    r->stream = stream;
    r->buf = buf;
    r->size = size;
    MMIO32(RCC_BASE, RCC_AHB1ENR) |= dma_base == DMA1_BASE ? RCC_AHB1ENR_DMA1EN : RCC_AHB1ENR_DMA2EN;
    (void)MMIO32(RCC_BASE, RCC_AHB1ENR);   /* the clock is on before the first stream access */
    MMIO32(usart_base, USART_CR3) &= ~USART_CR3_DMAR;
    if (stream_off(r) != UART_RX_OK) {
        return UART_RX_ERR_BUSY;
    }
    DMA_REG(r, DMA_IFCR_OFF(stream)) = DMA_FLAG_ALL << SHIFT(r);
    MMIO32(DMAMUX1_BASE, DMAMUX_CxCR(stream + (dma_base == DMA2_BASE ? 8u : 0u))) =
        FIELD_PREP(DMAMUX_CxCR_DMAREQ_ID, req);
    DMA_REG(r, DMA_SxPAR(stream)) = usart_base + USART_RDR;
    DMA_REG(r, DMA_SxM0AR(stream)) = (uint32_t)(uintptr_t)buf;
    DMA_REG(r, DMA_SxNDTR(stream)) = size;
    DMA_REG(r, DMA_SxFCR(stream)) = 0;     /* direct mode: byte in, byte out */
    uint32_t cr = DMA_SxCR_MINC | DMA_SxCR_CIRC | DMA_SxCR_TRBUFF | FIELD_PREP(DMA_SxCR_PL, 2u);
    DMA_REG(r, DMA_SxCR(stream)) = cr;     /* DIR=00 peripheral-to-memory, PSIZE=MSIZE=byte */
    DMA_REG(r, DMA_SxCR(stream)) = cr | DMA_SxCR_EN;
    MMIO32(usart_base, USART_ICR) = USART_ERRS;   /* ICR bits sit at the ISR positions (RM0468, USART_ICR) */
    MMIO32(usart_base, USART_CR3) |= USART_CR3_DMAR;
    return UART_RX_OK;
}

int uart_rx_ring_stop(uart_rx_ring_t *r)
{
    if (!r->usart || !r->dma) {
        return UART_RX_OK;   /* never started (zeroed): nothing to stop, touch no register */
    }
    MMIO32(r->usart, USART_CR3) &= ~USART_CR3_DMAR;
    int rc = stream_off(r);
    DMA_REG(r, DMA_IFCR_OFF(r->stream)) = DMA_FLAG_ALL << SHIFT(r);
    return rc;
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

int uart_rx_ring_getc(uart_rx_ring_t *r, uint32_t timeout_us)
{
    if (!r->avail) {
        /* Empty: one NDTR read says whether anything came (a full update every 64 empty polls notices
         * a dead stream or an exact lap). */
        if (!timeout_us && !r->error && (++r->polls & 63u) && pos_of(r, NDTR(r)) == r->wr) {
            return UART_RX_ERR_TIMEOUT;
        }
        int rc = timeout_us ? uart_rx_ring_wait(r, 1, timeout_us) : update(r);
        if (rc < 0) {
            return rc;
        }
        if (!r->avail) {
            return UART_RX_ERR_TIMEOUT;
        }
    }
    uint8_t c = r->buf[r->rd];
    uart_rx_ring_consume(r, 1);
    return c;
}

/* Bytes the DMA wrote after index r->wr, by NDTR alone (less than a lap). */
static uint32_t moved(const uart_rx_ring_t *r)
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

int uart_rx_ring_wait(uart_rx_ring_t *r, size_t n, uint32_t timeout_us)
{
    if (n > r->size) {
        n = r->size;
    }
    deadline_t d;
    deadline_start(&d, timeout_us);
    for (;;) {
        int rc = update(r);
        if (rc < 0 || r->avail >= n) {
            return rc;
        }
        uint32_t need = (uint32_t)n - r->avail, half = r->size / 2u;
        uint32_t to_flag = r->wr < half ? half - r->wr : r->size - r->wr;
        int expired = 0;
        if (need >= to_flag) {
            /* The bytes we need reach the next HT/TC point: wait on that flag (or an error). */
            uint32_t want = (r->wr < half ? DMA_FLAG_HTIF : DMA_FLAG_TCIF) | DMA_FLAG_TEIF;
            while (!(flags(r) & want) && !(expired = deadline_expired(&d))) {
            }
        } else {
            /* NDTR runs: a simulator jumps to the next byte. The flags are read only every 16 polls
             * (a stream that stopped on TEIF never moves NDTR again). */
            uint32_t polls = 0;
            while (moved(r) < need && !(expired = deadline_expired(&d))) {
                if (!(++polls & 15u) && (flags(r) & DMA_FLAG_TEIF)) {
                    break;
                }
            }
        }
        if (expired) {
            rc = update(r);
            return (rc < 0 || r->avail >= n) ? rc : UART_RX_ERR_TIMEOUT;
        }
    }
}

const char *uart_rx_ring_strerror(int err)
{
    switch (err) {
    case UART_RX_OK: return "ok";
    case UART_RX_ERR_TIMEOUT: return "timeout";
    case UART_RX_ERR_OVERFLOW: return "ring overflow: the DMA overwrote unread bytes";
    case UART_RX_ERR_DMA: return "DMA transfer error (TEIF): is the buffer in DTCM/ITCM?";
    case UART_RX_ERR_ARG: return "bad argument (USART, stream, size 1..65535)";
    case UART_RX_ERR_BUSY: return "DMA stream did not stop";
    default: return "unknown error";
    }
}
