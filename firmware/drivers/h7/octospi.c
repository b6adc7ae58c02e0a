/* OCTOSPI controller driver (RM0468, OCTOSPI chapter). See octospi.h for the contract. */
#include "octospi.h" /* this directory's driver header; it pulls in stm32h7/octospi_regs.h */

#include "clock.h" /* deadline_t: the one bounded-wait timebase */

#include <mmio.h>

#define REG(base, off) MMIO32(base, off)

uint32_t ospi_sr(uintptr_t base) { return REG(base, OCTOSPI_SR); }

bool ospi_is_enabled(uintptr_t base) { return (REG(base, OCTOSPI_CR) & OCTOSPI_CR_EN) != 0; }

bool ospi_is_mapped(uintptr_t base)
{
    uint32_t cr = REG(base, OCTOSPI_CR);
    return (cr & OCTOSPI_CR_EN) &&
           FIELD_GET(cr, OCTOSPI_CR_FMODE) == OCTOSPI_FMODE_MEMORY_MAPPED;
}

/* SR.TEF (an access beyond DEVSIZE, RM0468 OCTOSPI status register): true when set, and then cleared. */
static bool took_tef(uintptr_t base, uint32_t sr)
{
    if (!(sr & OCTOSPI_SR_TEF))
        return false;
    REG(base, OCTOSPI_FCR) = OCTOSPI_FCR_CTEF;
    return true;
}

/* Wait until (SR & mask) == want. TEF ends any wait early: the transfer cannot complete. */
static ospi_status wait_sr(uintptr_t base, uint32_t mask, uint32_t want, uint32_t timeout_us)
{
    deadline_t d;
    deadline_start(&d, timeout_us);
    for (;;) {
        uint32_t sr = REG(base, OCTOSPI_SR);
        if ((sr & mask) == want)
            return OSPI_OK;
        if (took_tef(base, sr))
            return OSPI_E_TRANSFER;
        if (deadline_expired(&d))
            return ((REG(base, OCTOSPI_SR) & mask) == want) ? OSPI_OK : OSPI_E_TIMEOUT;
    }
}

ospi_status ospi_abort(uintptr_t base)
{
    __asm volatile("dsb" ::: "memory"); /* an in-flight mapped write must land first (RM0468, OCTOSPI) */
    uint32_t cr = REG(base, OCTOSPI_CR);
    if (cr & OCTOSPI_CR_DMAEN)
        REG(base, OCTOSPI_CR) = (cr &= ~OCTOSPI_CR_DMAEN);
    if ((cr & OCTOSPI_CR_EN) && ((REG(base, OCTOSPI_SR) & OCTOSPI_SR_BUSY) ||
                                 FIELD_GET(cr, OCTOSPI_CR_FMODE) == OCTOSPI_FMODE_MEMORY_MAPPED)) {
        REG(base, OCTOSPI_CR) = cr | OCTOSPI_CR_ABORT;
        ospi_status st = wait_sr(base, OCTOSPI_SR_TCF, OCTOSPI_SR_TCF, OSPI_TIMEOUT_XFER_US);
        REG(base, OCTOSPI_FCR) = OCTOSPI_FCR_CTCF;
        if (st != OSPI_OK)
            return st;
        st = wait_sr(base, OCTOSPI_SR_BUSY, 0, OSPI_TIMEOUT_XFER_US);
        if (st != OSPI_OK)
            return st;
    }
    /* FMODE back to indirect: with FMODE=11 the next window access would map again. */
    REG(base, OCTOSPI_CR) = REG(base, OCTOSPI_CR) & ~OCTOSPI_CR_FMODE_Msk;
    return OSPI_OK;
}

ospi_status ospi_setup(uintptr_t base, const struct ospi_dev_cfg *cfg)
{
    ospi_status st = ospi_abort(base);
    if (st != OSPI_OK)
        return st;
    REG(base, OCTOSPI_CR) = 0; /* EN=0: device configuration */
    REG(base, OCTOSPI_DCR1) = cfg->dcr1;
    REG(base, OCTOSPI_DCR2) = cfg->dcr2;
    REG(base, OCTOSPI_DCR3) = cfg->dcr3;
    REG(base, OCTOSPI_DCR4) = cfg->dcr4;
    REG(base, OCTOSPI_FCR) = OCTOSPI_FCR_CTEF | OCTOSPI_FCR_CTCF | OCTOSPI_FCR_CSMF | OCTOSPI_FCR_CTOF;
    REG(base, OCTOSPI_CR) = FIELD_PREP(OCTOSPI_CR_FTHRES, cfg->fthres) | OCTOSPI_CR_EN;
    return OSPI_OK;
}

void ospi_disable(uintptr_t base)
{
    (void)ospi_abort(base);
    REG(base, OCTOSPI_CR) &= ~OCTOSPI_CR_EN;
}

/* A transfer that cannot complete: stop it, so the controller is idle for the next command. */
static ospi_status give_up(uintptr_t base, ospi_status why)
{
    (void)ospi_abort(base);
    return why;
}

/* Before programming a new command: out of memory-mapped mode, and BUSY clear (registers other than
 * CR/FCR are read-only while BUSY, RM0468 OCTOSPI register descriptions). *cr: CR once idle (only the
 * driver writes CR, and BUSY clearing does not change it), so the caller need not read it again. */
static ospi_status make_idle(uintptr_t base, uint32_t *cr)
{
    *cr = REG(base, OCTOSPI_CR);
    if ((*cr & OCTOSPI_CR_EN) && FIELD_GET(*cr, OCTOSPI_CR_FMODE) == OCTOSPI_FMODE_MEMORY_MAPPED) {
        ospi_status st = ospi_abort(base);
        if (st != OSPI_OK)
            return st;
        *cr = REG(base, OCTOSPI_CR);
    }
    return wait_sr(base, OCTOSPI_SR_BUSY, 0, OSPI_TIMEOUT_XFER_US);
}

/* Program the phases and trigger per RM0468 (OCTOSPI command start rules) on an idle controller whose CR
 * is `cr` (make_idle): IR starts a command without address when no data has to be supplied; AR starts
 * one with an address; in indirect write the first DR write starts. */
static void program(uintptr_t base, uint32_t cr, uint32_t fmode, uint32_t cr_extra, const struct ospi_cmd *c)
{
    REG(base, OCTOSPI_FCR) = OCTOSPI_FCR_CTEF | OCTOSPI_FCR_CTCF | OCTOSPI_FCR_CSMF | OCTOSPI_FCR_CTOF;
    /* (ABORT too: read before BUSY cleared, it must not be written back) */
    cr &= ~(OCTOSPI_CR_FMODE_Msk | OCTOSPI_CR_APMS | OCTOSPI_CR_PMM | OCTOSPI_CR_TCEN | OCTOSPI_CR_ABORT);
    REG(base, OCTOSPI_CR) = cr | FIELD_PREP(OCTOSPI_CR_FMODE, fmode) | cr_extra;
    if (c->len)
        REG(base, OCTOSPI_DLR) = c->len - 1u;
    REG(base, OCTOSPI_TCR) = c->tcr;
    REG(base, OCTOSPI_CCR) = c->ccr;
    REG(base, OCTOSPI_IR) = c->instr;
    if (c->ccr & OCTOSPI_CCR_ADMODE_Msk)
        REG(base, OCTOSPI_AR) = c->addr;
}

static ospi_status start(uintptr_t base, uint32_t fmode, const struct ospi_cmd *c)
{
    uint32_t cr;
    ospi_status st = make_idle(base, &cr);
    if (st == OSPI_OK)
        program(base, cr, fmode, 0, c);
    return st;
}

static ospi_status finish(uintptr_t base)
{
    ospi_status st = wait_sr(base, OCTOSPI_SR_TCF, OCTOSPI_SR_TCF, OSPI_TIMEOUT_XFER_US);
    REG(base, OCTOSPI_FCR) = OCTOSPI_FCR_CTCF;
    if (st != OSPI_OK)
        return give_up(base, st);
    return wait_sr(base, OCTOSPI_SR_BUSY, 0, OSPI_TIMEOUT_XFER_US);
}

ospi_status ospi_command(uintptr_t base, const struct ospi_cmd *c)
{
    if (c->len || (c->ccr & OCTOSPI_CCR_DMODE_Msk))
        return OSPI_E_PARAM;
    ospi_status st = start(base, OCTOSPI_FMODE_INDIRECT_WRITE, c);
    return st != OSPI_OK ? st : finish(base);
}

/* Bytes the FIFO can give (rx) or take (!rx) now, waiting for at least one; TEF or the deadline end the
 * transfer. */
static ospi_status fifo_ready(uintptr_t base, bool rx, deadline_t *d, uint32_t *n)
{
    for (;;) {
        uint32_t sr = REG(base, OCTOSPI_SR);
        uint32_t lvl = FIELD_GET(sr, OCTOSPI_SR_FLEVEL);
        uint32_t k = rx ? lvl : OCTOSPI_FIFO_BYTES - lvl;
        if (took_tef(base, sr))
            return give_up(base, OSPI_E_TRANSFER);
        if (k != 0 && (rx || k <= OCTOSPI_FIFO_BYTES)) {
            *n = k;
            return OSPI_OK;
        }
        if (deadline_expired(d))
            return give_up(base, OSPI_E_TIMEOUT);
    }
}

ospi_status ospi_read(uintptr_t base, const struct ospi_cmd *c, uint8_t *buf)
{
    if (!c->len)
        return OSPI_E_PARAM;
    ospi_status st = start(base, OCTOSPI_FMODE_INDIRECT_READ, c);
    if (st != OSPI_OK)
        return st;
    uint32_t n = c->len;
    deadline_t d;
    deadline_start(&d, OSPI_TIMEOUT_XFER_US);
    while (n) {
        uint32_t lvl;
        if ((st = fifo_ready(base, true, &d, &lvl)) != OSPI_OK)
            return st;
        if (lvl > n)
            lvl = n;
        n -= lvl;
        while (lvl >= 4u) { /* a 32-bit DR read pops 4 FIFO bytes, first byte lowest */
            uint32_t w = REG(base, OCTOSPI_DR);
            *buf++ = (uint8_t)w;
            *buf++ = (uint8_t)(w >> 8);
            *buf++ = (uint8_t)(w >> 16);
            *buf++ = (uint8_t)(w >> 24);
            lvl -= 4u;
        }
        while (lvl--)
            *buf++ = MMIO8(base, OCTOSPI_DR);
    }
    return finish(base);
}

ospi_status ospi_write(uintptr_t base, const struct ospi_cmd *c, const uint8_t *buf)
{
    if (!c->len)
        return OSPI_E_PARAM;
    ospi_status st = start(base, OCTOSPI_FMODE_INDIRECT_WRITE, c);
    if (st != OSPI_OK)
        return st;
    uint32_t n = c->len;
    deadline_t d;
    deadline_start(&d, OSPI_TIMEOUT_XFER_US);
    while (n) {
        uint32_t room;
        if ((st = fifo_ready(base, false, &d, &room)) != OSPI_OK)
            return st;
        if (room > n)
            room = n;
        n -= room;
        while (room >= 4u) {
            REG(base, OCTOSPI_DR) = (uint32_t)buf[0] | ((uint32_t)buf[1] << 8) |
                                    ((uint32_t)buf[2] << 16) | ((uint32_t)buf[3] << 24);
            buf += 4;
            room -= 4u;
        }
        while (room--)
            MMIO8(base, OCTOSPI_DR) = *buf++;
    }
    return finish(base);
}

ospi_status ospi_autopoll_start(uintptr_t base, const struct ospi_cmd *c, uint32_t match, uint32_t mask,
                                uint16_t interval)
{
    if (!c->len || c->len > 4u)
        return OSPI_E_PARAM;
    uint32_t cr;
    ospi_status st = make_idle(base, &cr);
    if (st != OSPI_OK)
        return st;
    REG(base, OCTOSPI_PSMAR) = match;
    REG(base, OCTOSPI_PSMKR) = mask;
    REG(base, OCTOSPI_PIR) = interval;
    /* APMS: stop at the first match, so BUSY clears by itself; PMM=0: AND of unmasked bits. */
    program(base, cr, OCTOSPI_FMODE_AUTO_POLLING, OCTOSPI_CR_APMS, c);
    return OSPI_OK;
}

/* One SR read while nothing happened, so a caller's wait loop stays a run of identical status reads
 * (the simulator's idle-polling pattern). TEF: the poll cannot complete. */
ospi_status ospi_autopoll_check(uintptr_t base)
{
    uint32_t sr = REG(base, OCTOSPI_SR);
    if (took_tef(base, sr))
        return give_up(base, OSPI_E_TRANSFER);
    if (!(sr & OCTOSPI_SR_SMF))
        return OSPI_BUSY;
    REG(base, OCTOSPI_FCR) = OCTOSPI_FCR_CSMF;
    return wait_sr(base, OCTOSPI_SR_BUSY, 0, OSPI_TIMEOUT_XFER_US);
}

ospi_status ospi_autopoll(uintptr_t base, const struct ospi_cmd *c, uint32_t match, uint32_t mask,
                          uint16_t interval, uint32_t timeout_us)
{
    ospi_status st = ospi_autopoll_start(base, c, match, mask, interval);
    if (st != OSPI_OK)
        return st;
    deadline_t d;
    deadline_start(&d, timeout_us);
    while ((st = ospi_autopoll_check(base)) == OSPI_BUSY) {
        if (deadline_expired(&d)) {
            /* the match may have come while the counter was read */
            if ((st = ospi_autopoll_check(base)) != OSPI_BUSY)
                return st;
            return give_up(base, OSPI_E_TIMEOUT);
        }
    }
    return st;
}

ospi_status ospi_memory_map(uintptr_t base, const struct ospi_cmd *rd, const struct ospi_cmd *wr)
{
    uint32_t cr;
    ospi_status st = make_idle(base, &cr);
    if (st != OSPI_OK)
        return st;
    REG(base, OCTOSPI_TCR) = rd->tcr;
    REG(base, OCTOSPI_CCR) = rd->ccr;
    REG(base, OCTOSPI_IR) = rd->instr;
    REG(base, OCTOSPI_WTCR) = wr ? wr->tcr : 0u;
    REG(base, OCTOSPI_WCCR) = wr ? wr->ccr : 0u;
    REG(base, OCTOSPI_WIR) = wr ? wr->instr : 0u;
    REG(base, OCTOSPI_FCR) = OCTOSPI_FCR_CTOF | OCTOSPI_FCR_CTCF;
    /* TCEN=0: nCS stays low between accesses (prefetch); fine for a NOR (no refresh needed). */
    cr &= ~(OCTOSPI_CR_FMODE_Msk | OCTOSPI_CR_APMS | OCTOSPI_CR_PMM | OCTOSPI_CR_TCEN | OCTOSPI_CR_ABORT);
    REG(base, OCTOSPI_CR) = cr | FIELD_PREP(OCTOSPI_CR_FMODE, OCTOSPI_FMODE_MEMORY_MAPPED);
    return OSPI_OK;
}
