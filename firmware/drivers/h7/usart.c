#include "usart.h"

#include "clock.h"
#include <mmio.h>
#include "stm32h7/usart_regs.h"

#define REG(off) MMIO32(base, off)
#define ERR_FLAGS (USART_ISR_ORE | USART_ISR_FE | USART_ISR_NE | USART_ISR_PE)

static int wait_isr(uint32_t base, uint32_t mask, uint32_t timeout_us)
{
    deadline_t d;
    deadline_start(&d, timeout_us);
    while (!(REG(USART_ISR) & mask)) {
        if (deadline_expired(&d)) {
            return (REG(USART_ISR) & mask) ? USART_OK : USART_ERR_TIMEOUT;
        }
    }
    return USART_OK;
}

int usart_init(uint32_t base, uint32_t kernel_hz, uint32_t baud)
{
    if (baud == 0) {
        return USART_ERR_BAUD;
    }
    uint32_t cr1 = 0, brr;
    uint32_t div16 = (kernel_hz + baud / 2u) / baud;
    if (div16 >= 16u && div16 <= 0xFFFFu) {
        brr = div16;
    } else {
        /* OVER8: USARTDIV = 2 f/baud; BRR[2:0] = USARTDIV[3:0] >> 1, BRR[3] = 0 (RM0468, USART_BRR) */
        uint32_t div8 = (2u * kernel_hz + baud / 2u) / baud;
        if (div8 < 16u || div8 > 0xFFFFu) {
            return USART_ERR_BAUD;
        }
        brr = (div8 & 0xFFF0u) | ((div8 & 0xFu) >> 1);
        cr1 |= USART_CR1_OVER8;
    }
    REG(USART_CR1) = 0;   /* UE=0: BRR, word length and oversampling are writable only now */
    REG(USART_PRESC) = 0;
    REG(USART_CR2) = 0;   /* 1 stop bit */
    REG(USART_CR3) = 0;
    REG(USART_BRR) = brr;
    REG(USART_CR1) = cr1 | USART_CR1_TE | USART_CR1_RE | USART_CR1_UE;
    return wait_isr(base, USART_ISR_TEACK, 10000u) == USART_OK &&
           wait_isr(base, USART_ISR_REACK, 10000u) == USART_OK ? USART_OK : USART_ERR_TIMEOUT;
}

uint32_t usart_actual_baud(uint32_t base, uint32_t kernel_hz)
{
    uint32_t brr = REG(USART_BRR) & 0xFFFFu;
    if (REG(USART_CR1) & USART_CR1_OVER8) {
        uint32_t div8 = (brr & 0xFFF0u) | ((brr & 7u) << 1);
        return div8 ? (uint32_t)(2ull * kernel_hz / div8) : 0;
    }
    return brr ? kernel_hz / brr : 0;
}

int usart_putc(uint32_t base, uint8_t c, uint32_t timeout_us)
{
    int rc = wait_isr(base, USART_ISR_TXE, timeout_us);
    if (rc == USART_OK) {
        REG(USART_TDR) = c;
    }
    return rc;
}

int usart_write(uint32_t base, const void *data, size_t len, uint32_t timeout_us)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        int rc = usart_putc(base, p[i], timeout_us);
        if (rc != USART_OK) {
            return rc;
        }
    }
    return USART_OK;
}

static int error_code(uint32_t isr)
{
    if (isr & USART_ISR_ORE) return USART_ERR_OVERRUN;
    if (isr & USART_ISR_FE) return USART_ERR_FRAMING;
    if (isr & USART_ISR_NE) return USART_ERR_NOISE;
    return USART_ERR_PARITY;
}

int usart_getc(uint32_t base, uint32_t timeout_us)
{
    deadline_t d;
    deadline_start(&d, timeout_us);
    for (;;) {
        uint32_t isr = REG(USART_ISR);
        if (isr & ERR_FLAGS) {
            REG(USART_ICR) = isr & ERR_FLAGS;  /* ICR bits sit at the ISR bit positions (RM0468, USART_ICR) */
            return error_code(isr);
        }
        if (isr & USART_ISR_RXNE) {
            return (int)(REG(USART_RDR) & 0xFFu);
        }
        if (deadline_expired(&d)) {
            return USART_ERR_TIMEOUT;
        }
    }
}

int usart_flush(uint32_t base, uint32_t timeout_us)
{
    return wait_isr(base, USART_ISR_TC, timeout_us);
}

uint32_t usart_clear_errors(uint32_t base)
{
    uint32_t e = REG(USART_ISR) & ERR_FLAGS;
    REG(USART_ICR) = e;
    return e;
}

void usart_drain(uint32_t base)
{
    REG(USART_RQR) = USART_RQR_RXFRQ;
}

const char *usart_strerror(int err)
{
    switch (err) {
    case USART_OK: return "ok";
    case USART_ERR_TIMEOUT: return "timeout";
    case USART_ERR_OVERRUN: return "overrun (byte lost: RDR read too late)";
    case USART_ERR_FRAMING: return "framing error (baud mismatch?)";
    case USART_ERR_NOISE: return "noise error";
    case USART_ERR_PARITY: return "parity error";
    case USART_ERR_BAUD: return "baud rate not reachable from the kernel clock";
    default: return "unknown USART error";
    }
}
