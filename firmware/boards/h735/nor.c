/* The MX25LM51245G octal NOR as a flashdev, on the shared OCTOSPI/MX25LM driver (drivers/mx25lm*.c):
 * that driver brings the chip up (reset in every framing, ID, octal DTR) and maps it; this file issues
 * the erase and page-program commands itself only so that it can poll the UART (fd_idle) while the chip
 * is busy (WIP): the driver's own waits do not return until the chip is done, and at 8 Mbaud the UART
 * would overrun in the meantime. The framing (octal DTR, 16-bit opcode + inverse, 32-bit address, DQS)
 * follows h735-hardware.md §6.1 / §3.2, the same as drivers/mx25lm.c. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "crc32.h"
#include "../../drivers/mx25lm.h"
#include "../../drivers/mx25lm_h735dk.h"
#include "mmio.h"
#include "port.h"
#include "protocol.h"

enum { OP_RDSR = 0x05, OP_WREN = 0x06, OP_PP4B = 0x12, OP_SE4B = 0x21 };
#define SR_WIP 0x01u
#define SR_WEL 0x02u
#define RDSR_DUMMY 5u             /* DOPI register-read dummy cycles, as drivers/mx25lm.c uses */
#define SE_TIMEOUT_MS 800u        /* ST maximum for a 4 KB erase (§6.1) */
#define PP_TIMEOUT_MS 12u         /* 10 ms maximum page program + margin */

static struct mx25lm nor;
static int ready;

static struct ospi_cmd dopi(uint8_t op, int addr, uint32_t a, uint32_t len, uint32_t dummy)
{
    struct ospi_cmd c = {0};
    c.ccr = OSPI_CCR_INSTR(OCTOSPI_LINES_8, OCTOSPI_SIZE_16, true);
    c.instr = ((uint32_t)op << 8) | (uint8_t)~op;
    if (addr) {
        c.ccr |= OSPI_CCR_ADDR(OCTOSPI_LINES_8, OCTOSPI_SIZE_32, true);
        c.addr = a;
    }
    c.ccr |= len ? OSPI_CCR_DATA(OCTOSPI_LINES_8, true, true) : OCTOSPI_CCR_DDTR;
    c.len = len;
    c.tcr = dummy | OCTOSPI_TCR_DHQC;
    return c;
}

static int fail(int st, uint32_t addr, struct fd_result *r)
{
    r->addr = addr;
    r->detail = ospi_sr(nor.ospi);
    return st;
}

#define REG(off) MMIO32(nor.ospi, off)
#define POLL_INTERVAL 0x10u       /* CLK cycles between the controller's status reads */

/* Wait until (SR & mask) == want using the controller's automatic status polling (FMODE 10, APMS):
 * the OCTOSPI reads the status register by itself while the CPU keeps serving the UART, and stops at
 * the first match (SMF). Same register sequence as the driver's own autopoll (drivers/octospi.c),
 * without its blocking wait. */
static int wait_sr(uint8_t mask, uint8_t want, uint32_t timeout_ms, uint32_t addr, struct fd_result *r)
{
    struct ospi_cmd c = dopi(OP_RDSR, 1, 0, 2, RDSR_DUMMY);
    uint32_t t0 = port_millis();
    while (REG(OCTOSPI_SR) & OCTOSPI_SR_BUSY)
        if (port_millis() - t0 > 2u) return fail(ST_NOR_ERROR, addr, r);
    REG(OCTOSPI_FCR) = OCTOSPI_FCR_CTEF | OCTOSPI_FCR_CTCF | OCTOSPI_FCR_CSMF | OCTOSPI_FCR_CTOF;
    REG(OCTOSPI_PSMAR) = want;
    REG(OCTOSPI_PSMKR) = mask;
    REG(OCTOSPI_PIR) = POLL_INTERVAL;
    uint32_t cr = REG(OCTOSPI_CR) & ~(OCTOSPI_CR_FMODE_Msk | OCTOSPI_CR_APMS | OCTOSPI_CR_PMM | OCTOSPI_CR_TCEN);
    REG(OCTOSPI_CR) = cr | FIELD_PREP(OCTOSPI_CR_FMODE, OCTOSPI_FMODE_AUTO_POLLING) | OCTOSPI_CR_APMS;
    REG(OCTOSPI_DLR) = c.len - 1u;
    REG(OCTOSPI_TCR) = c.tcr;
    REG(OCTOSPI_CCR) = c.ccr;
    REG(OCTOSPI_IR) = c.instr;
    REG(OCTOSPI_AR) = c.addr;             /* starts the polling */
    for (;;) {
        uint32_t sr = REG(OCTOSPI_SR);
        if (sr & OCTOSPI_SR_SMF) break;
        if (sr & OCTOSPI_SR_TEF) {
            (void)ospi_abort(nor.ospi);
            return fail(ST_NOR_ERROR, addr, r);
        }
        if (port_millis() - t0 > timeout_ms) {
            r->addr = addr;
            r->detail = ospi_sr(nor.ospi);
            (void)ospi_abort(nor.ospi);
            return ST_NOR_TIMEOUT;
        }
        fd_wait();
    }
    REG(OCTOSPI_FCR) = OCTOSPI_FCR_CSMF;
    while (REG(OCTOSPI_SR) & OCTOSPI_SR_BUSY)
        if (port_millis() - t0 > timeout_ms + 2u) return fail(ST_NOR_ERROR, addr, r);
    return ST_OK;
}

static int command(uint8_t op, uint32_t off, const uint8_t *data, uint32_t len, uint32_t addr, struct fd_result *r)
{
    if (ospi_is_mapped(nor.ospi) && mx25lm_unmap(&nor) != OSPI_OK) return fail(ST_NOR_ERROR, addr, r);
    struct ospi_cmd we = dopi(OP_WREN, 0, 0, 0, 0);
    if (ospi_command(nor.ospi, &we) != OSPI_OK) return fail(ST_NOR_ERROR, addr, r);
    int s = wait_sr(SR_WEL, SR_WEL, 40, addr, r);
    if (s != ST_OK) return s;
    struct ospi_cmd c = dopi(op, 1, off, len, 0);
    ospi_status os = len ? ospi_write(nor.ospi, &c, data) : ospi_command(nor.ospi, &c);
    if (os != OSPI_OK) return fail(ST_NOR_ERROR, addr, r);
    /* Done = WIP and WEL clear: a command the chip ignored leaves WEL set and times out here. */
    return wait_sr(SR_WIP | SR_WEL, 0, len ? PP_TIMEOUT_MS : SE_TIMEOUT_MS, addr, r);
}

static int n_erase(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    if (!ready) return fail(ST_NOR_ERROR, addr, r);
    return command(OP_SE4B, addr - d->base, 0, 0, addr, r);
}

static int n_program(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                     struct fd_result *r)
{
    if (!ready) return fail(ST_NOR_ERROR, addr, r);
    while (len) {   /* program_unit 2 keeps every piece even, as DTR needs (§3.2) */
        uint32_t off = addr - d->base;
        uint32_t room = MX25LM_PAGE - (off & (MX25LM_PAGE - 1u));
        uint32_t n = len < room ? len : room;
        int blank = 1;
        for (uint32_t i = 0; i < n && blank; i++) blank = data[i] == 0xFF;
        if (!blank) {                       /* 0xFF programs nothing: skip the page operation */
            int s = command(OP_PP4B, off, data, n, addr, r);
            if (s != ST_OK) return s;
        }
        addr += n;
        data += n;
        len -= n;
    }
    return ST_OK;
}

static int mapped(uint32_t addr, struct fd_result *r)
{
    if (!ready) return fail(ST_NOR_ERROR, addr, r);
    if (!ospi_is_mapped(nor.ospi) && mx25lm_map(&nor) != OSPI_OK) return fail(ST_NOR_ERROR, addr, r);
    return ST_OK;
}

static int n_read(const struct flashdev *d, uint32_t addr, uint8_t *out, uint32_t len, struct fd_result *r)
{
    (void)d;
    int s = mapped(addr, r);
    if (s == ST_OK) memcpy(out, (const void *)addr, len);
    return s;
}

static int n_crc(const struct flashdev *d, uint32_t addr, uint32_t len, uint32_t *crc, struct fd_result *r)
{
    (void)d;
    int s = mapped(addr, r);
    if (s != ST_OK) return s;
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t off = 0; off < len; off += 256u) {   /* serve the UART between blocks */
        uint32_t n = len - off < 256u ? len - off : 256u;
        c = crc32_mpeg2(c, (const void *)(addr + off), n);
        fd_idle();
    }
    *crc = c;
    return ST_OK;
}

int board_nor_init(void)
{
    ready = h735dk_nor_init(&nor) == OSPI_OK && mx25lm_map(&nor) == OSPI_OK;
    return ready ? 0 : -1;
}

void board_nor_map(void)
{
    if (ready && !ospi_is_mapped(nor.ospi)) (void)mx25lm_map(&nor);
}

static const struct flashdev_ops ops = {n_erase, n_program, n_read, n_crc};

const struct flashdev nor_dev = {
    .name = "nor", .base = H735DK_NOR_WINDOW, .size = MX25LM_SIZE, .sector_size = MX25LM_SECTOR,
    .protected_size = 0, .program_unit = 2, .page_size = MX25LM_PAGE, .erased = 0xFF,
    .kind = PROTO_MEM_OSPI_NOR, .ops = &ops, .ctx = 0,
};
