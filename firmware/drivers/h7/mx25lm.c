/* MX25LM51245G octal NOR driver (MX25LM51245G datasheet; docs/hardware-notes.md). See mx25lm.h. */
#include "mx25lm.h"

#include <string.h>

#include "clock.h"

/* SPI opcodes; in OPI each is sent as 16 bits: opcode then its inverse (MX25LM51245G datasheet). */
enum {
    OP_RDID = 0x9F, OP_RDSR = 0x05, OP_WREN = 0x06, OP_RDCR2 = 0x71, OP_WRCR2 = 0x72,
    OP_PP4B = 0x12, OP_SE4B = 0x21, OP_BE4B = 0xDC, OP_CE = 0x60, OP_RSTEN = 0x66, OP_RST = 0x99,
    OP_8DTRD = 0xEE,
};
#define SR_WIP 0x01u
#define SR_WEL 0x02u
#define CR2_MODE     0x00000000u   /* SOPI b0, DOPI b1 */
#define CR2_DC       0x00000300u   /* DC[2:0] dummy cycles */
#define CR2_MODE_DOPI 0x02u
#define POLL_INTERVAL 0x10u        /* CLK cycles between automatic status reads (ST's BSP, docs/hardware-notes.md) */
/* Register reads: dummy cycles fixed by the device, independent of CR2 DC (MX25LM51245G datasheet). */
static const uint8_t reg_dummy[3] = {0u, 4u, 5u};

static uint8_t dc_code(uint32_t dummy) { return (uint8_t)((20u - dummy) / 2u); } /* 20->0 ... 6->7 */

/* Frame one command for the chip's current mode. dummy < 0: the mode's register-read dummy. */
static struct ospi_cmd frame(const struct mx25lm *n, uint8_t op, bool addr, uint32_t a, uint32_t len,
                             int dummy)
{
    struct ospi_cmd c = {0};
    bool dtr = n->mode == MX25LM_DOPI;
    uint32_t lines = n->mode == MX25LM_SPI ? OCTOSPI_LINES_1 : OCTOSPI_LINES_8;
    if (n->mode == MX25LM_SPI) {
        c.ccr = OSPI_CCR_INSTR(lines, OCTOSPI_SIZE_8, false);
        c.instr = op;
    } else {
        c.ccr = OSPI_CCR_INSTR(lines, OCTOSPI_SIZE_16, dtr);
        c.instr = ((uint32_t)op << 8) | (uint8_t)~op;
        addr = addr || op == OP_RDID || op == OP_RDSR; /* OPI register reads carry address 0 */
    }
    if (addr) {
        c.ccr |= OSPI_CCR_ADDR(lines, OCTOSPI_SIZE_32, dtr);
        c.addr = a;
    }
    if (len) /* reads in DTR sample on the device's DQS strobe (RM0468, OCTOSPI_CCR.DQSE) */
        c.ccr |= OSPI_CCR_DATA(lines, dtr, dtr);
    else if (dtr)
        c.ccr |= OCTOSPI_CCR_DDTR; /* with DHQC a DTR command without DDTR is not sent (docs/hardware-notes.md) */
    c.len = len;
    c.tcr = (uint32_t)(dummy < 0 ? reg_dummy[n->mode] : dummy);
    if (dtr)
        c.tcr |= OCTOSPI_TCR_DHQC;
    return c;
}

static ospi_status simple(struct mx25lm *n, uint8_t op, bool addr, uint32_t a)
{
    struct ospi_cmd c = frame(n, op, addr, a, 0, 0);
    return ospi_command(n->ospi, &c);
}

/* One-byte register value: DTR transfers need an even count, the device repeats the value. */
static ospi_status reg_read(struct mx25lm *n, uint8_t op, bool addr, uint32_t a, uint8_t *v)
{
    uint8_t b[2];
    struct ospi_cmd c = frame(n, op, addr, a, n->mode == MX25LM_DOPI ? 2u : 1u, -1);
    ospi_status st = ospi_read(n->ospi, &c, b);
    *v = b[0];
    return st;
}

static struct ospi_cmd rdsr(const struct mx25lm *n)
{
    return frame(n, OP_RDSR, false, 0, n->mode == MX25LM_DOPI ? 2u : 1u, -1);
}

ospi_status mx25lm_wait_ready(struct mx25lm *n, uint32_t timeout_us)
{
    struct ospi_cmd c = rdsr(n);
    return ospi_autopoll(n->ospi, &c, 0, SR_WIP, POLL_INTERVAL, timeout_us);
}

/* ---- one write-type operation at a time: WREN, wait WEL, command, wait done ---------------------- */
enum { PH_IDLE = 0, PH_WEL, PH_DONE };

/* The controller reads the status register by itself (automatic polling) until the match. */
static ospi_status poll_start(struct mx25lm *n, uint8_t match, uint8_t mask, uint32_t timeout_us)
{
    struct ospi_cmd c = rdsr(n);
    deadline_start(&n->deadline, timeout_us);
    return ospi_autopoll_start(n->ospi, &c, match, mask, POLL_INTERVAL);
}

/* Write enable now; the command itself (framed now, data already in n->buf) goes out in mx25lm_poll
 * once WEL reads set, so that wait does not block either. */
static ospi_status op_start(struct mx25lm *n, uint8_t op, bool addr, uint32_t a, uint32_t len,
                            uint32_t timeout_us)
{
    n->phase = PH_IDLE;
    n->cmd = frame(n, op, addr, a, len, 0);
    n->timeout_us = timeout_us;
    n->mode_after = n->mode;
    ospi_status st = simple(n, OP_WREN, false, 0);
    if (st == OSPI_OK)
        st = poll_start(n, SR_WEL, SR_WEL, MX25LM_T_REG_US);
    if (st == OSPI_OK)
        n->phase = PH_WEL;
    return st;
}

ospi_status mx25lm_poll(struct mx25lm *n)
{
    if (n->phase == PH_IDLE)
        return OSPI_OK;
    ospi_status st = ospi_autopoll_check(n->ospi);
    if (st == OSPI_BUSY) {
        if (!deadline_expired(&n->deadline))
            return OSPI_BUSY;
        if ((st = ospi_autopoll_check(n->ospi)) == OSPI_BUSY) { /* one last look, then give up */
            (void)ospi_abort(n->ospi);
            st = n->phase == PH_WEL ? NOR_E_WEL : OSPI_E_TIMEOUT;
        }
    }
    if (st == OSPI_OK && n->phase == PH_WEL) {
        st = n->cmd.len ? ospi_write(n->ospi, &n->cmd, n->buf) : ospi_command(n->ospi, &n->cmd);
        if (st == OSPI_OK) {
            n->mode = n->mode_after; /* a WRCR2 mode switch takes effect at the end of the command */
            /* Done = WIP and WEL both clear: a command the chip did not take leaves WEL set, so it
             * times out here instead of passing silently. */
            st = poll_start(n, 0, SR_WIP | SR_WEL, n->timeout_us);
        }
        if (st == OSPI_OK) {
            n->phase = PH_DONE;
            return OSPI_BUSY;
        }
    }
    n->phase = PH_IDLE;
    return st;
}

void mx25lm_cancel(struct mx25lm *n)
{
    if (n->phase != PH_IDLE)
        (void)ospi_abort(n->ospi);
    n->phase = PH_IDLE;
}

/* The blocking calls: start, then poll until the end. */
static ospi_status wait_op(struct mx25lm *n, ospi_status st)
{
    if (st != OSPI_OK)
        return st;
    do
        st = mx25lm_poll(n);
    while (st == OSPI_BUSY);
    return st;
}

static ospi_status write_cr2(struct mx25lm *n, uint32_t addr, uint8_t v, enum mx25lm_mode after)
{
    /* DTR forbids single-byte transfers: send the value twice (MX25LM51245G datasheet). */
    n->buf[0] = n->buf[1] = v;
    ospi_status st = op_start(n, OP_WRCR2, true, addr, n->mode == MX25LM_DOPI ? 2u : 1u, MX25LM_T_REG_US);
    n->mode_after = after;
    return wait_op(n, st);
}

ospi_status mx25lm_read_cr2(struct mx25lm *n, uint32_t addr, uint8_t *val)
{
    return reg_read(n, OP_RDCR2, true, addr, val);
}

ospi_status mx25lm_read_id(struct mx25lm *n, uint8_t id[3])
{
    uint8_t b[6];
    bool dtr = n->mode == MX25LM_DOPI;
    struct ospi_cmd c = frame(n, OP_RDID, false, 0, dtr ? 6u : 3u, -1);
    ospi_status st = ospi_read(n->ospi, &c, b);
    for (int i = 0; i < 3; i++)
        id[i] = b[dtr ? 2 * i : i]; /* DTR: every ID byte comes twice */
    return st;
}

static bool id_ok(struct mx25lm *n)
{
    uint8_t id[3];
    return mx25lm_read_id(n, id) == OSPI_OK && id[0] == MX25LM_ID0 && id[1] == MX25LM_ID1 &&
           id[2] == MX25LM_ID2;
}

void mx25lm_attach_dopi(struct mx25lm *n, uintptr_t ospi, uint32_t prescaler)
{
    n->ospi = ospi;
    n->prescaler = prescaler;
    n->mode = MX25LM_DOPI;
    n->phase = PH_IDLE;
}

ospi_status mx25lm_init(struct mx25lm *n)
{
    /* MTYP=Macronix for every mode: it only matters in 8-bit DTR, where it undoes the chip's
     * D1/D0 byte order (RM0468, OCTOSPI_DCR1.MTYP), so data programmed and read in DOPI keep their natural order. */
    const struct ospi_dev_cfg cfg = {
        .dcr1 = FIELD_PREP(OCTOSPI_DCR1_MTYP, OCTOSPI_MTYP_MACRONIX) |
                FIELD_PREP(OCTOSPI_DCR1_DEVSIZE, MX25LM_DEVSIZE) | FIELD_PREP(OCTOSPI_DCR1_CSHT, 1u),
        .dcr2 = FIELD_PREP(OCTOSPI_DCR2_PRESCALER, n->prescaler),
        .fthres = 3u,
    };
    n->phase = PH_IDLE;
    ospi_status st = ospi_setup(n->ospi, &cfg);
    if (st != OSPI_OK)
        return st;
    /* No reset pin on the board (UM2679): a reset in each framing reaches the chip whatever mode an
     * aborted run left it in, and stops a program/erase in flight. */
    for (int m = MX25LM_SPI; m <= MX25LM_DOPI; m++) {
        n->mode = (enum mx25lm_mode)m;
        if ((st = simple(n, OP_RSTEN, false, 0)) != OSPI_OK || (st = simple(n, OP_RST, false, 0)) != OSPI_OK)
            return st;
    }
    /* Reset recovery lasts up to 100 ms when an erase was interrupted; the chip answers its ID
     * again once ready. SPI is the power-on mode; SOPI/DOPI when made default in CR2 0x40000000. */
    deadline_t d;
    deadline_start(&d, MX25LM_T_RESET_US);
    n->mode = MX25LM_UNKNOWN;
    while (n->mode == MX25LM_UNKNOWN) {
        for (int m = MX25LM_SPI; m <= MX25LM_DOPI && n->mode == MX25LM_UNKNOWN; m++) {
            n->mode = (enum mx25lm_mode)m;
            if (!id_ok(n))
                n->mode = MX25LM_UNKNOWN;
        }
        if (n->mode == MX25LM_UNKNOWN) {
            if (deadline_expired(&d))
                return NOR_E_ID;
            clock_delay_us(100u);
        }
    }
    if ((st = mx25lm_wait_ready(n, MX25LM_T_RESET_US)) != OSPI_OK)
        return st;
    /* Dummy cycles first (in the current mode), then the switch to DOPI. */
    if ((st = write_cr2(n, CR2_DC, dc_code(MX25LM_DUMMY), n->mode)) != OSPI_OK)
        return st;
    if (n->mode != MX25LM_DOPI && (st = write_cr2(n, CR2_MODE, CR2_MODE_DOPI, MX25LM_DOPI)) != OSPI_OK)
        return st;
    uint8_t mode, dc;
    if ((st = mx25lm_read_cr2(n, CR2_MODE, &mode)) != OSPI_OK ||
        (st = mx25lm_read_cr2(n, CR2_DC, &dc)) != OSPI_OK)
        return st;
    if ((mode & 3u) != CR2_MODE_DOPI || (dc & 7u) != dc_code(MX25LM_DUMMY))
        return NOR_E_MODE;
    return OSPI_OK;
}

static ospi_status erase_start(struct mx25lm *n, uint8_t op, bool addr, uint32_t off, uint32_t timeout_us)
{
    if (off >= MX25LM_SIZE)
        return OSPI_E_PARAM;
    return op_start(n, op, addr, off, 0, timeout_us);
}

ospi_status mx25lm_erase_4k_start(struct mx25lm *n, uint32_t off)
{
    return erase_start(n, OP_SE4B, true, off & ~(MX25LM_SECTOR - 1u), MX25LM_T_4K_US);
}

ospi_status mx25lm_erase_64k_start(struct mx25lm *n, uint32_t off)
{
    return erase_start(n, OP_BE4B, true, off & ~(MX25LM_BLOCK - 1u), MX25LM_T_64K_US);
}

ospi_status mx25lm_erase_4k(struct mx25lm *n, uint32_t off)
{
    return wait_op(n, mx25lm_erase_4k_start(n, off));
}

ospi_status mx25lm_erase_64k(struct mx25lm *n, uint32_t off)
{
    return wait_op(n, mx25lm_erase_64k_start(n, off));
}

ospi_status mx25lm_erase_chip_start(struct mx25lm *n)
{
    return erase_start(n, OP_CE, false, 0, MX25LM_T_CHIP_US);
}

ospi_status mx25lm_erase_chip(struct mx25lm *n)
{
    return wait_op(n, mx25lm_erase_chip_start(n));
}

ospi_status mx25lm_erase_range(struct mx25lm *n, uint32_t off, uint32_t len)
{
    if (!len)
        return OSPI_OK;
    if (off >= MX25LM_SIZE || len > MX25LM_SIZE - off)
        return OSPI_E_PARAM;
    /* Whole sectors: every one intersecting [off, off+len) (end rounded up to a sector). */
    uint32_t a = off & ~(MX25LM_SECTOR - 1u);
    uint32_t end = (off + len + MX25LM_SECTOR - 1u) & ~(MX25LM_SECTOR - 1u);
    while (a < end) {
        ospi_status st;
        if (!(a & (MX25LM_BLOCK - 1u)) && end - a >= MX25LM_BLOCK) {
            st = mx25lm_erase_64k(n, a);
            a += MX25LM_BLOCK;
        } else {
            st = mx25lm_erase_4k(n, a);
            a += MX25LM_SECTOR;
        }
        if (st != OSPI_OK)
            return st;
    }
    return OSPI_OK;
}

/* Word by word (memcpy: a load of any alignment); the bytes past the last whole word one by one. */
static bool all_erased(const uint8_t *p, uint32_t len)
{
    for (; len >= 4u; len -= 4u, p += 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        if (w != 0xFFFFFFFFu)
            return false;
    }
    while (len--)
        if (*p++ != 0xFFu)
            return false;
    return true;
}

ospi_status mx25lm_program_page_start(struct mx25lm *n, uint32_t off, const uint8_t *data, uint32_t len)
{
    n->phase = PH_IDLE;
    if (off >= MX25LM_SIZE || len > MX25LM_SIZE - off || len > MX25LM_PAGE - (off & (MX25LM_PAGE - 1u)))
        return len ? OSPI_E_PARAM : OSPI_OK;
    uint32_t a = off, m = 0;
    /* DTR moves 2 bytes per clock: the address and count must be even (RM0468, OCTOSPI). 0xFF pads program
     * nothing, and stay inside the page because page boundaries are even. */
    if (n->mode == MX25LM_DOPI && (a & 1u)) {
        n->buf[m++] = 0xFFu;
        a--;
    }
    memcpy(n->buf + m, data, len);
    m += len;
    if (n->mode == MX25LM_DOPI && (m & 1u))
        n->buf[m++] = 0xFFu;
    if (all_erased(n->buf, m)) /* 0xFF programs nothing: skip the page operation */
        return OSPI_OK;
    return op_start(n, OP_PP4B, true, a, m, MX25LM_T_PAGE_US);
}

ospi_status mx25lm_program(struct mx25lm *n, uint32_t off, const uint8_t *data, uint32_t len)
{
    if (off >= MX25LM_SIZE || len > MX25LM_SIZE - off)
        return len ? OSPI_E_PARAM : OSPI_OK;
    while (len) {
        uint32_t room = MX25LM_PAGE - (off & (MX25LM_PAGE - 1u));
        uint32_t chunk = len < room ? len : room;
        ospi_status st = wait_op(n, mx25lm_program_page_start(n, off, data, chunk));
        if (st != OSPI_OK)
            return st;
        off += chunk;
        data += chunk;
        len -= chunk;
    }
    return OSPI_OK;
}

ospi_status mx25lm_map(struct mx25lm *n)
{
    if (n->mode != MX25LM_DOPI)
        return NOR_E_MODE;
    struct ospi_cmd rd = frame(n, OP_8DTRD, true, 0, 1u, MX25LM_DUMMY);
    return ospi_memory_map(n->ospi, &rd, NULL);
}

ospi_status mx25lm_unmap(struct mx25lm *n)
{
    return ospi_abort(n->ospi);
}
