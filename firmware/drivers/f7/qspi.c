/* QUADSPI controller driver, STM32F7 (RM0385 §13.3 functional description, §13.5 registers). */
#include "qspi.h"

#include "mmio.h"
#include "scb_regs.h"
#include "stm32f7/quadspi_regs.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"

#define Q(off) MMIO32(QSPI_R_BASE, off)
#define ADSIZE_24 2u
#define FLAG_TIMEOUT_US 10000u   /* one frame at the slowest clock we use is far shorter */

static uint32_t cycles_per_us = 16u;   /* HSI at reset until qspi_init says otherwise */

uint32_t qspi_us_to_cycles(uint32_t us)
{
    return us * cycles_per_us;
}

uint32_t qspi_cycles(void)
{
    return MMIO32(DWT_BASE, DWT_CYCCNT);
}

/* 1 once `flags` are set in SR, 0 at the deadline. */
static int wait_sr(uint32_t flags, uint32_t want, uint32_t us)
{
    uint32_t t0 = qspi_cycles(), limit = qspi_us_to_cycles(us);
    while ((Q(QUADSPI_SR) & flags) != want) {
        if (qspi_cycles() - t0 > limit) return 0;
    }
    return 1;
}

/* 1 once any of `flags` is set (or TEF), 0 at the deadline. */
static int wait_any(uint32_t flags, uint32_t us)
{
    uint32_t t0 = qspi_cycles(), limit = qspi_us_to_cycles(us);
    while (!(Q(QUADSPI_SR) & (flags | QUADSPI_SR_TEF))) {
        if (qspi_cycles() - t0 > limit) return 0;
    }
    return 1;
}

static qspi_status fail_code(void)
{
    return (Q(QUADSPI_SR) & QUADSPI_SR_TEF) ? QSPI_E_TRANSFER : QSPI_E_TIMEOUT;
}

void qspi_set_clock(uint32_t hclk_hz)
{
    cycles_per_us = hclk_hz / 1000000u;
    MMIO32(SCB_BASE, SCB_DEMCR) |= SCB_DEMCR_TRCENA;      /* the deadlines count DWT cycles */
    MMIO32(DWT_BASE, DWT_CTRL) |= DWT_CTRL_CYCCNTENA;
}

void qspi_init(const struct qspi_config *c)
{
    qspi_set_clock(c->hclk_hz);
    MMIO32(RCC_BASE, RCC_AHB3ENR) |= RCC_AHB3ENR_QSPIEN;
    (void)MMIO32(RCC_BASE, RCC_AHB3ENR);                  /* the enable has taken effect (RM0385 §5.3) */
    MMIO32(RCC_BASE, RCC_AHB3RSTR) |= RCC_AHB3RSTR_QSPIRST;
    MMIO32(RCC_BASE, RCC_AHB3RSTR) &= ~RCC_AHB3RSTR_QSPIRST;
    /* FTHRES = 3: FTF at 4 bytes (bit 4 of the field cannot be set on F7 silicon, see quadspi.h). */
    Q(QUADSPI_CR) = (uint32_t)c->prescaler << QUADSPI_CR_PRESCALER_Pos | 3u << QUADSPI_CR_FTHRES_Pos;
    Q(QUADSPI_DCR) = (uint32_t)(c->size_log2 - 1u) << QUADSPI_DCR_FSIZE_Pos |
                     (uint32_t)((c->cs_high ? c->cs_high : 1u) - 1u) << QUADSPI_DCR_CSHT_Pos;
    Q(QUADSPI_CR) |= QUADSPI_CR_EN;
}

uint32_t qspi_sr(void)
{
    return Q(QUADSPI_SR);
}

int qspi_is_mapped(void)
{
    return ((Q(QUADSPI_CCR) & QUADSPI_CCR_FMODE_Msk) >> QUADSPI_CCR_FMODE_Pos) == QUADSPI_FMODE_MAPPED;
}

static uint32_t lines(uint8_t n)
{
    return n == 4u ? 3u : n == 2u ? 2u : n ? 1u : 0u;
}

static uint32_t ccr(const struct qspi_cmd *c, uint32_t fmode)
{
    uint32_t v = (uint32_t)c->ins | lines(c->ins_lines) << QUADSPI_CCR_IMODE_Pos |
                 (uint32_t)(c->dummy & 0x1Fu) << QUADSPI_CCR_DCYC_Pos |
                 lines(c->data_lines) << QUADSPI_CCR_DMODE_Pos | fmode << QUADSPI_CCR_FMODE_Pos;
    if (c->addr_lines)
        v |= lines(c->addr_lines) << QUADSPI_CCR_ADMODE_Pos | ADSIZE_24 << QUADSPI_CCR_ADSIZE_Pos;
    if (c->alt_lines)
        v |= lines(c->alt_lines) << QUADSPI_CCR_ABMODE_Pos;   /* ABSIZE 0: one byte */
    return v;
}

/* The start of every command: out of memory-mapped mode, no transfer in progress, flags cleared. */
static qspi_status begin(void)
{
    if (qspi_is_mapped() || (Q(QUADSPI_SR) & QUADSPI_SR_BUSY)) {
        Q(QUADSPI_CR) |= QUADSPI_CR_ABORT;               /* §13.3.6: ABORT ends memory-mapped mode */
        uint32_t t0 = qspi_cycles();
        while (Q(QUADSPI_CR) & QUADSPI_CR_ABORT) {
            if (qspi_cycles() - t0 > qspi_us_to_cycles(FLAG_TIMEOUT_US)) return QSPI_E_TIMEOUT;
        }
    }
    if (!wait_sr(QUADSPI_SR_BUSY, 0, FLAG_TIMEOUT_US)) return QSPI_E_TIMEOUT;
    Q(QUADSPI_FCR) = QUADSPI_FCR_CTEF | QUADSPI_FCR_CTCF | QUADSPI_FCR_CSMF | QUADSPI_FCR_CTOF;
    return QSPI_OK;
}

/* TCF (then BUSY=0), or TEF: the end of every indirect command. */
static qspi_status end(void)
{
    if (!wait_any(QUADSPI_SR_TCF, FLAG_TIMEOUT_US) || (Q(QUADSPI_SR) & QUADSPI_SR_TEF))
        return fail_code();
    Q(QUADSPI_FCR) = QUADSPI_FCR_CTCF;
    return wait_sr(QUADSPI_SR_BUSY, 0, FLAG_TIMEOUT_US) ? QSPI_OK : QSPI_E_TIMEOUT;
}

/* Program the frame; the command starts on the CCR write (no address), the AR write, or the first DR
 * write of an indirect write with data (§13.3.5). */
static void frame(const struct qspi_cmd *c, uint32_t fmode, uint32_t addr, uint32_t n)
{
    if (c->data_lines) Q(QUADSPI_DLR) = n - 1u;
    if (c->alt_lines) Q(QUADSPI_ABR) = c->alt;
    Q(QUADSPI_CCR) = ccr(c, fmode);
    if (c->addr_lines) Q(QUADSPI_AR) = addr;
}

qspi_status qspi_command(const struct qspi_cmd *c, uint32_t addr)
{
    if (c->data_lines) return QSPI_E_PARAM;
    qspi_status st = begin();
    if (st != QSPI_OK) return st;
    frame(c, QUADSPI_FMODE_IND_WRITE, addr, 0);
    return end();
}

qspi_status qspi_read(const struct qspi_cmd *c, uint32_t addr, uint8_t *out, uint32_t n)
{
    if (!c->data_lines || n == 0) return QSPI_E_PARAM;
    qspi_status st = begin();
    if (st != QSPI_OK) return st;
    frame(c, QUADSPI_FMODE_IND_READ, addr, n);
    for (uint32_t i = 0; i < n; i++) {
        /* FTF: a byte at the threshold; TCF: the last bytes, fewer than the threshold. */
        if (!wait_any(QUADSPI_SR_FTF | QUADSPI_SR_TCF, FLAG_TIMEOUT_US) || (Q(QUADSPI_SR) & QUADSPI_SR_TEF))
            return fail_code();
        out[i] = MMIO8(QSPI_R_BASE, QUADSPI_DR);
    }
    return end();
}

qspi_status qspi_write(const struct qspi_cmd *c, uint32_t addr, const uint8_t *in, uint32_t n)
{
    if (!c->data_lines || n == 0) return QSPI_E_PARAM;
    qspi_status st = begin();
    if (st != QSPI_OK) return st;
    frame(c, QUADSPI_FMODE_IND_WRITE, addr, n);
    for (uint32_t i = 0; i < n; i++) {
        if (!wait_any(QUADSPI_SR_FTF, FLAG_TIMEOUT_US) || (Q(QUADSPI_SR) & QUADSPI_SR_TEF))
            return fail_code();
        MMIO8(QSPI_R_BASE, QUADSPI_DR) = in[i];
    }
    return end();
}

qspi_status qspi_autopoll_start(const struct qspi_cmd *c, uint8_t mask, uint8_t match, uint16_t interval)
{
    if (c->data_lines == 0) return QSPI_E_PARAM;
    qspi_status st = begin();
    if (st != QSPI_OK) return st;
    Q(QUADSPI_PSMKR) = mask;
    Q(QUADSPI_PSMAR) = match;
    Q(QUADSPI_PIR) = interval;
    Q(QUADSPI_CR) = (Q(QUADSPI_CR) & ~QUADSPI_CR_PMM) | QUADSPI_CR_APMS;   /* AND match, stop on it */
    frame(c, QUADSPI_FMODE_AUTOPOLL, 0, 1);
    return QSPI_OK;
}

int qspi_autopoll_done(uint8_t *status)
{
    if (!(Q(QUADSPI_SR) & QUADSPI_SR_SMF)) return 0;
    *status = MMIO8(QSPI_R_BASE, QUADSPI_DR);   /* the last status read (§13.5.11) */
    Q(QUADSPI_FCR) = QUADSPI_FCR_CSMF;
    return 1;
}

qspi_status qspi_map(const struct qspi_cmd *c)
{
    if (qspi_is_mapped()) return QSPI_OK;
    qspi_status st = begin();
    if (st != QSPI_OK) return st;
    if (c->alt_lines) Q(QUADSPI_ABR) = c->alt;
    Q(QUADSPI_CCR) = ccr(c, QUADSPI_FMODE_MAPPED);
    return QSPI_OK;
}

qspi_status qspi_unmap(void)
{
    return begin();
}
