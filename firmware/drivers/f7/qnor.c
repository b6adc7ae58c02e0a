/* Quad-SPI NOR parts of the STM32F746G-DISCO (UM1907 §6.11: N25Q128A13EF840E up to board revision B,
 * W25Q128JVEIQ from C-03). Command codes, status bits and times: Micron N25Q128A datasheet (§ "Command
 * definitions", "Status register", "Flag status register", "Volatile configuration register", AC
 * characteristics) and Winbond W25Q128JV datasheet (§8.1 instruction set, §7.1 status registers). */
#include "qnor.h"

#define CMD_WREN     0x06u
#define CMD_RDSR     0x05u
#define CMD_RESET_EN 0x66u
#define CMD_RESET    0x99u
#define CMD_JEDEC    0x9Fu
#define CMD_SE_4K    0x20u
#define CMD_SE_64K   0xD8u   /* N25Q "sector erase", W25Q "64 KB block erase" */
#define CMD_CHIP_ER  0xC7u
#define CMD_PP_QUAD  0x32u   /* 1-1-4 page program, both parts */
#define CMD_READ_QIO 0xEBu   /* 1-4-4 fast read, both parts */
#define SR_WIP       0x01u
#define SR_WEL       0x02u

#define RESET_US     100u    /* tSHSL3 (N25Q, 40 us) / tRST (W25Q, 30 us) with margin */
#define PAGE_US      10000u  /* page program max: 5 ms (N25Q), 3 ms (W25Q) */
#define SUBSECTOR_US 2000000u   /* 4 KB erase max: 0.8 s (N25Q), 0.4 s (W25Q) */
#define SECTOR_US    6000000u   /* 64 KB erase max: 3 s (N25Q), 2 s (W25Q) */
#define CHIP_US      400000000u /* bulk erase max: 250 s (N25Q), 200 s (W25Q) */
#define REG_US       300000u    /* status/configuration register writes */
#define POLL_INTERVAL 16u       /* CLK cycles between automatic status reads */

struct qnor_part {
    const char *name;
    uint8_t manufacturer, type, capacity;
    uint8_t size_log2;
    struct qspi_cmd map;     /* the memory-mapped read */
    int (*setup)(struct qnor *n);
    int has_flag_status;     /* N25Q: program/erase/protection errors in the flag status register */
};

static const struct qspi_cmd C_WREN = {.ins = CMD_WREN, .ins_lines = 1};
static const struct qspi_cmd C_RDSR = {.ins = CMD_RDSR, .ins_lines = 1, .data_lines = 1};

static qspi_status reg_read(uint8_t ins, uint8_t *v)
{
    const struct qspi_cmd c = {.ins = ins, .ins_lines = 1, .data_lines = 1};
    return qspi_read(&c, 0, v, 1);
}

static qspi_status write_enable(void)
{
    qspi_status st = qspi_command(&C_WREN, 0);
    uint8_t sr = 0;
    if (st == QSPI_OK) st = qspi_read(&C_RDSR, 0, &sr, 1);
    return st != QSPI_OK ? st : (sr & SR_WEL) ? QSPI_OK : QSPI_E_DEVICE;
}

static void arm(struct qnor *n, uint32_t us)
{
    n->t0 = qspi_cycles();
    n->spent_us = 0;
    n->limit = us;
}

/* 1 once the operation armed by arm() has run past its limit. Time is folded into whole microseconds at
 * every call: the 32-bit cycle counter wraps every ~20 s at 216 MHz, and a chip erase may take minutes. */
static int overdue(struct qnor *n)
{
    uint32_t now = qspi_cycles(), per_us = qspi_us_to_cycles(1u), d = now - n->t0;
    n->spent_us += d / per_us;
    n->t0 = now - d % per_us;
    return n->spent_us > n->limit;
}

/* A register write (`ins` + one byte) and its completion. */
static int reg_write(struct qnor *n, uint8_t ins, uint8_t v)
{
    const struct qspi_cmd c = {.ins = ins, .ins_lines = 1, .data_lines = 1};
    if (write_enable() != QSPI_OK || qspi_write(&c, 0, &v, 1) != QSPI_OK) return -1;
    if (qspi_autopoll_start(&C_RDSR, SR_WIP, 0, POLL_INTERVAL) != QSPI_OK) return -1;
    arm(n, REG_US);
    return qnor_wait(n) == QSPI_OK ? 0 : -1;
}

/* N25Q128A: quad commands work in extended SPI without an enable bit. The volatile configuration
 * register sets the dummy cycles of 0xEB explicitly (10, the datasheet's default at 108 MHz) and keeps
 * XIP off, whatever the non-volatile register holds. */
static int n25q_setup(struct qnor *n)
{
    uint8_t vcr = 0;
    if (reg_read(0x85u, &vcr) != QSPI_OK) return -1;
    uint8_t want = (uint8_t)(10u << 4 | 0x08u | (vcr & 0x07u));
    return vcr == want ? 0 : reg_write(n, 0x81u, want);
}

/* W25Q128JV: quad I/O needs QE (status register 2 bit 1); set it if a board arrived without it. */
static int w25q_setup(struct qnor *n)
{
    uint8_t sr2 = 0;
    if (reg_read(0x35u, &sr2) != QSPI_OK) return -1;
    return (sr2 & 0x02u) ? 0 : reg_write(n, 0x31u, (uint8_t)(sr2 | 0x02u));
}

static const struct qnor_part PARTS[] = {
    {"N25Q128A", 0x20u, 0xBAu, 0x18u, 24u,
     {.ins = CMD_READ_QIO, .ins_lines = 1, .addr_lines = 4, .dummy = 10, .data_lines = 4}, n25q_setup, 1},
    /* 2 mode clocks as an alternate byte (M5-4 != 10: no continuous read mode), then 4 dummy clocks. */
    {"W25Q128JV", 0xEFu, 0x40u, 0x18u, 24u,
     {.ins = CMD_READ_QIO, .ins_lines = 1, .addr_lines = 4, .alt_lines = 4, .alt = 0xFFu, .dummy = 4,
      .data_lines = 4}, w25q_setup, 0},
    {"W25Q128JV", 0xEFu, 0x70u, 0x18u, 24u,
     {.ins = CMD_READ_QIO, .ins_lines = 1, .addr_lines = 4, .alt_lines = 4, .alt = 0xFFu, .dummy = 4,
      .data_lines = 4}, w25q_setup, 0},
};

static void pause_us(uint32_t us)
{
    uint32_t t0 = qspi_cycles(), n = qspi_us_to_cycles(us);
    while (qspi_cycles() - t0 < n) {
    }
}

qspi_status qnor_init(struct qnor *n)
{
    static const struct qspi_cmd c_reset_en = {.ins = CMD_RESET_EN, .ins_lines = 1};
    static const struct qspi_cmd c_reset = {.ins = CMD_RESET, .ins_lines = 1};
    n->status = 0;
    qspi_status st = qspi_command(&c_reset_en, 0);
    if (st == QSPI_OK) st = qspi_command(&c_reset, 0);
    if (st != QSPI_OK) return st;
    pause_us(RESET_US);
    st = qnor_attach(n);
    if (st != QSPI_OK) return st;
    return n->part->setup(n) == 0 ? QSPI_OK : QSPI_E_DEVICE;
}

qspi_status qnor_attach(struct qnor *n)
{
    static const struct qspi_cmd c_id = {.ins = CMD_JEDEC, .ins_lines = 1, .data_lines = 1};
    n->part = 0;
    qspi_status st = qspi_read(&c_id, 0, n->id, 3);
    if (st != QSPI_OK) return st;
    for (unsigned i = 0; i < sizeof PARTS / sizeof PARTS[0]; i++) {
        const struct qnor_part *p = &PARTS[i];
        if (n->id[0] == p->manufacturer && n->id[1] == p->type && n->id[2] == p->capacity) n->part = p;
    }
    return n->part ? QSPI_OK : QSPI_E_UNKNOWN_ID;
}

const char *qnor_part_name(const struct qnor *n)
{
    return n->part ? n->part->name : "unknown";
}

uint32_t qnor_size(const struct qnor *n)
{
    return n->part ? 1u << n->part->size_log2 : 0u;
}

/* The command, then the controller polls WIP by itself (automatic polling): the CPU only reads SR. */
static qspi_status start(struct qnor *n, const struct qspi_cmd *c, uint32_t off, const uint8_t *d,
                         uint32_t len, uint32_t us)
{
    if (!n->part) return QSPI_E_UNKNOWN_ID;
    qspi_status st = write_enable();
    if (st == QSPI_OK) st = d ? qspi_write(c, off, d, len) : qspi_command(c, off);
    if (st == QSPI_OK) st = qspi_autopoll_start(&C_RDSR, SR_WIP, 0, POLL_INTERVAL);
    arm(n, us);
    return st;
}

qspi_status qnor_erase_start(struct qnor *n, uint32_t off)
{
    static const struct qspi_cmd c = {.ins = CMD_SE_4K, .ins_lines = 1, .addr_lines = 1};
    return start(n, &c, off & ~(QNOR_SUBSECTOR - 1u), 0, 0, SUBSECTOR_US);
}

qspi_status qnor_erase_block_start(struct qnor *n, uint32_t off)
{
    static const struct qspi_cmd c = {.ins = CMD_SE_64K, .ins_lines = 1, .addr_lines = 1};
    return start(n, &c, off & ~(QNOR_BLOCK - 1u), 0, 0, SECTOR_US);
}

qspi_status qnor_erase_chip_start(struct qnor *n)
{
    static const struct qspi_cmd c = {.ins = CMD_CHIP_ER, .ins_lines = 1};
    return start(n, &c, 0, 0, 0, CHIP_US);
}

qspi_status qnor_program_start(struct qnor *n, uint32_t off, const uint8_t *d, uint32_t len)
{
    static const struct qspi_cmd c = {.ins = CMD_PP_QUAD, .ins_lines = 1, .addr_lines = 1, .data_lines = 4};
    if (len == 0 || (off & (QNOR_PAGE - 1u)) + len > QNOR_PAGE) return QSPI_E_PARAM;
    return start(n, &c, off, d, len, PAGE_US);
}

/* N25Q: the flag status register keeps program (bit 4), erase (bit 5) and protection (bit 1) errors
 * until CLEAR FLAG STATUS (0x50). The W25Q has no such flags: a refused operation shows at verify. */
static qspi_status flag_errors(struct qnor *n)
{
    static const struct qspi_cmd c_clear = {.ins = 0x50u, .ins_lines = 1};
    uint8_t fsr = 0;
    if (!n->part->has_flag_status) return QSPI_OK;
    qspi_status st = reg_read(0x70u, &fsr);
    if (st != QSPI_OK) return st;
    n->status = (n->status & 0xFFu) | (uint32_t)fsr << 8;
    if (!(fsr & 0x32u)) return QSPI_OK;
    (void)qspi_command(&c_clear, 0);
    return QSPI_E_DEVICE;
}

qspi_status qnor_poll(struct qnor *n)
{
    uint8_t sr = 0;
    if (!qspi_autopoll_done(&sr)) {
        if (!overdue(n)) return QSPI_BUSY;
        (void)qspi_unmap();                       /* ABORT ends the polling */
        if (qspi_read(&C_RDSR, 0, &sr, 1) == QSPI_OK) n->status = sr;
        return QSPI_E_TIMEOUT;
    }
    n->status = sr;
    return flag_errors(n);
}

qspi_status qnor_wait(struct qnor *n)
{
    qspi_status st;
    while ((st = qnor_poll(n)) == QSPI_BUSY) {
    }
    return st;
}

/* 64 KB erases where the range covers whole blocks (0.7 s instead of 16 x 0.25 s on the N25Q), 4 KB
 * erases at its ends. */
qspi_status qnor_erase_range(struct qnor *n, uint32_t off, uint32_t len)
{
    uint32_t end = off + len;
    for (uint32_t a = off & ~(QNOR_SUBSECTOR - 1u); a < end;) {
        int block = (a & (QNOR_BLOCK - 1u)) == 0 && end - a >= QNOR_BLOCK;
        qspi_status st = block ? qnor_erase_block_start(n, a) : qnor_erase_start(n, a);
        if (st == QSPI_OK) st = qnor_wait(n);
        if (st != QSPI_OK) return st;
        a += block ? QNOR_BLOCK : QNOR_SUBSECTOR;
    }
    return QSPI_OK;
}

qspi_status qnor_program(struct qnor *n, uint32_t off, const uint8_t *d, uint32_t len)
{
    while (len) {
        uint32_t room = QNOR_PAGE - (off & (QNOR_PAGE - 1u));
        uint32_t k = len < room ? len : room;
        qspi_status st = qnor_program_start(n, off, d, k);
        if (st == QSPI_OK) st = qnor_wait(n);
        if (st != QSPI_OK) return st;
        off += k;
        d += k;
        len -= k;
    }
    return QSPI_OK;
}

qspi_status qnor_erase_chip(struct qnor *n)
{
    qspi_status st = qnor_erase_chip_start(n);
    return st == QSPI_OK ? qnor_wait(n) : st;
}

qspi_status qnor_map(const struct qnor *n)
{
    if (!n->part) return QSPI_E_UNKNOWN_ID;
    return qspi_map(&n->part->map);
}
