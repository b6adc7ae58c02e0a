/* QUADSPI (RM0385 §13) and the board's NOR, for both parts fitted to the STM32F746G-DISCO: the part is
 * told by its JEDEC ID and its own commands are used where they differ (N25Q128A datasheet; W25Q128JV
 * datasheet). Reports key=value lines. */
#include "f7.h"
#include "stm32f7/quadspi_regs.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"

#define Q(off) MMIO32(QSPI_R_BASE, off)
#define SUB 0x1000u          /* subsector used by the tests */
#define L1 1u
#define L2 2u
#define L4 3u

struct part {
    uint32_t quad_io_dummy;     /* 0xEB without alternate bytes */
    uint32_t wrong_dummy;       /* what a driver written for the other part would use */
    uint32_t protect_sr;        /* SR value protecting the top of the array */
};
static const struct part N25Q = {10u, 8u, 0x04u};     /* BP0: top 64 KB */
static const struct part W25Q = {6u, 10u, 0x04u};     /* BP0: top 256 KB */

static uint32_t ccr(uint32_t fmode, uint32_t imode, uint32_t admode, uint32_t dmode, uint32_t dcyc, uint32_t ins)
{
    return fmode << QUADSPI_CCR_FMODE_Pos | dmode << QUADSPI_CCR_DMODE_Pos | dcyc << QUADSPI_CCR_DCYC_Pos |
           (admode ? 2u << QUADSPI_CCR_ADSIZE_Pos : 0u) | admode << QUADSPI_CCR_ADMODE_Pos |
           imode << QUADSPI_CCR_IMODE_Pos | ins;
}

static void wait_not_busy(void)
{
    while (Q(QUADSPI_SR) & QUADSPI_SR_BUSY) {
    }
}

static void abort_(void)
{
    Q(QUADSPI_CR) |= QUADSPI_CR_ABORT;
    while (Q(QUADSPI_CR) & QUADSPI_CR_ABORT) {
    }
    wait_not_busy();
    Q(QUADSPI_FCR) = QUADSPI_FCR_CTCF | QUADSPI_FCR_CSMF | QUADSPI_FCR_CTEF | QUADSPI_FCR_CTOF;
}

static void cmd(uint32_t ins)
{
    wait_not_busy();
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_IND_WRITE, L1, 0, 0, 0, ins);
    wait_not_busy();
}

static void read_n(uint32_t c, int addr, uint32_t a, uint8_t *buf, uint32_t n)
{
    wait_not_busy();
    Q(QUADSPI_DLR) = n - 1u;
    Q(QUADSPI_CCR) = c;
    if (addr) {
        Q(QUADSPI_AR) = a;
    }
    for (uint32_t i = 0; i < n; i++) {
        while (!(Q(QUADSPI_SR) & (QUADSPI_SR_FTF | QUADSPI_SR_TCF))) {
        }
        buf[i] = MMIO8(QSPI_R_BASE, QUADSPI_DR);
    }
    while (!(Q(QUADSPI_SR) & QUADSPI_SR_TCF)) {
    }
    Q(QUADSPI_FCR) = QUADSPI_FCR_CTCF;
    wait_not_busy();
}

static uint32_t reg8(uint32_t ins)
{
    uint8_t b = 0;
    read_n(ccr(QUADSPI_FMODE_IND_READ, L1, 0, L1, 0, ins), 0, 0, &b, 1);
    return b;
}

/* Automatic status polling of READ STATUS (0x05) until (SR & mask) == match; returns cycles waited. */
static uint32_t poll(uint32_t mask, uint32_t match)
{
    wait_not_busy();
    uint32_t t0 = cycles();
    Q(QUADSPI_PSMKR) = mask;
    Q(QUADSPI_PSMAR) = match;
    Q(QUADSPI_PIR) = 0x10;
    Q(QUADSPI_DLR) = 0;
    Q(QUADSPI_CR) |= QUADSPI_CR_APMS;
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_AUTOPOLL, L1, 0, L1, 0, 0x05);
    while (!(Q(QUADSPI_SR) & QUADSPI_SR_SMF)) {
    }
    Q(QUADSPI_FCR) = QUADSPI_FCR_CSMF;
    wait_not_busy();
    return cycles() - t0;
}

static void write_enable(void)
{
    cmd(0x06);
    (void)poll(0x02, 0x02);
}

static void program(uint32_t ins, uint32_t admode, uint32_t dmode, uint32_t a, const uint8_t *d, uint32_t n)
{
    write_enable();
    Q(QUADSPI_DLR) = n - 1u;
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_IND_WRITE, L1, admode, dmode, 0, ins);
    Q(QUADSPI_AR) = a;
    for (uint32_t i = 0; i < n; i++) {
        while (!(Q(QUADSPI_SR) & QUADSPI_SR_FTF)) {
        }
        MMIO8(QSPI_R_BASE, QUADSPI_DR) = d[i];
    }
    while (!(Q(QUADSPI_SR) & QUADSPI_SR_TCF)) {
    }
    Q(QUADSPI_FCR) = QUADSPI_FCR_CTCF;
    (void)poll(0x01, 0x00);
}

static uint32_t erase(uint32_t ins, uint32_t a)
{
    write_enable();
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_IND_WRITE, L1, L1, 0, 0, ins);
    Q(QUADSPI_AR) = a;
    return poll(0x01, 0x00);
}

static uint32_t word_at(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t mapped_word(uint32_t ins, uint32_t admode, uint32_t dmode, uint32_t dummy, uint32_t off)
{
    abort_();
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_MAPPED, L1, admode, dmode, dummy, ins);
    uint32_t v = *(volatile uint32_t *)(QSPI_MEM_BASE + off);
    abort_();
    Q(QUADSPI_CCR) = 0;
    return v;
}

void qspi_tests(void)
{
    gpio_af(1, 2, 9, 0);     /* PB2 CLK */
    gpio_af(1, 6, 10, 1);    /* PB6 BK1_NCS, pull-up */
    gpio_af(3, 11, 9, 0);    /* PD11 IO0 */
    gpio_af(3, 12, 9, 0);    /* PD12 IO1 */
    gpio_af(4, 2, 9, 0);     /* PE2 IO2 */
    gpio_af(3, 13, 9, 0);    /* PD13 IO3 */
    MMIO32(RCC_BASE, RCC_AHB3ENR) |= RCC_AHB3ENR_QSPIEN;
    (void)MMIO32(RCC_BASE, RCC_AHB3ENR);
    MMIO32(RCC_BASE, RCC_AHB3RSTR) |= RCC_AHB3RSTR_QSPIRST;
    MMIO32(RCC_BASE, RCC_AHB3RSTR) &= ~RCC_AHB3RSTR_QSPIRST;
    Q(QUADSPI_CR) = (1u << QUADSPI_CR_PRESCALER_Pos) | (3u << QUADSPI_CR_FTHRES_Pos);   /* 108 MHz */
    Q(QUADSPI_DCR) = (23u << QUADSPI_DCR_FSIZE_Pos) | (2u << QUADSPI_DCR_CSHT_Pos);      /* 16 MB */
    Q(QUADSPI_CR) |= QUADSPI_CR_EN;

    cmd(0x66);                              /* reset enable + reset memory: a known state */
    cmd(0x99);
    uint8_t id[3];
    read_n(ccr(QUADSPI_FMODE_IND_READ, L1, 0, L1, 0, 0x9F), 0, 0, id, 3);
    say_kv("q_jedec", (uint32_t)id[0] << 16 | (uint32_t)id[1] << 8 | id[2]);
    const struct part *p = id[0] == 0xEF ? &W25Q : &N25Q;
    if (p == &W25Q) {
        say_kv("q_sr2", reg8(0x35));         /* QE is bit 1 */
    } else {
        say_kv("q_fsr", reg8(0x70));         /* READY is bit 7 */
        say_kv("q_vcr", reg8(0x85));
    }

    say_kv("q_erase4k_cycles", erase(0x20, SUB));
    uint8_t buf[256];
    read_n(ccr(QUADSPI_FMODE_IND_READ, L1, L1, L1, 0, 0x03), 1, SUB, buf, 16);
    say_kv("q_erased", word_at(buf) == 0xFFFFFFFFu && word_at(buf + 12) == 0xFFFFFFFFu);

    for (uint32_t i = 0; i < 256; i++) {
        buf[i] = (uint8_t)(i * 7u + 1u);
    }
    uint32_t t1 = cycles();
    program(0x02, L1, L1, SUB, buf, 256);                 /* page program 1-1-1 */
    say_kv("q_pp_cycles", cycles() - t1);
    for (uint32_t i = 0; i < 256; i++) {
        buf[i] = (uint8_t)(0xA5u ^ i);
    }
    program(0x32, L1, L4, SUB + 0x100, buf, 256);         /* quad input page program 1-1-4 */

    uint8_t rd[16];
    read_n(ccr(QUADSPI_FMODE_IND_READ, L1, L1, L4, 8, 0x6B), 1, SUB, rd, 16);   /* quad output 1-1-4 */
    say_kv("q_qor_word0", word_at(rd));
    read_n(ccr(QUADSPI_FMODE_IND_READ, L1, L4, L4, p->quad_io_dummy, 0xEB), 1, SUB + 0x100, rd, 16);
    say_kv("q_qior_word0", word_at(rd));                  /* quad I/O 1-4-4 */

    say_kv("q_mm_right", mapped_word(0xEB, L4, L4, p->quad_io_dummy, SUB));
    say_kv("q_mm_wrong", mapped_word(0xEB, L4, L4, p->wrong_dummy, SUB));
    say_kv("q_mm_6b", mapped_word(0x6B, L1, L4, 8, SUB + 0x104));

    /* Block protection: protect the top of the array, then try to erase its last subsector. */
    write_enable();
    Q(QUADSPI_DLR) = 0;
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_IND_WRITE, L1, 0, L1, 0, 0x01);
    MMIO8(QSPI_R_BASE, QUADSPI_DR) = (uint8_t)p->protect_sr;
    (void)poll(0x01, 0x00);
    say_kv("q_sr_protect", reg8(0x05));
    (void)erase(0x20, 0x00FFF000u);       /* erase of a protected subsector */
    if (p == &N25Q) {
        say_kv("q_fsr_after_protected", reg8(0x70));
        cmd(0x50);                         /* CLEAR FLAG STATUS */
    }
    write_enable();
    Q(QUADSPI_DLR) = 0;
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_IND_WRITE, L1, 0, L1, 0, 0x01);
    MMIO8(QSPI_R_BASE, QUADSPI_DR) = 0x00;
    (void)poll(0x01, 0x00);
    say_kv("q_sr_unprotected", reg8(0x05));

    /* Program while busy: a second page program during an erase is ignored. */
    write_enable();
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_IND_WRITE, L1, L1, 0, 0, 0x20);
    Q(QUADSPI_AR) = SUB + 0x1000u;
    wait_not_busy();
    Q(QUADSPI_DLR) = 3;
    Q(QUADSPI_CCR) = ccr(QUADSPI_FMODE_IND_WRITE, L1, L1, L1, 0, 0x02);
    Q(QUADSPI_AR) = SUB;
    for (int i = 0; i < 4; i++) {
        MMIO8(QSPI_R_BASE, QUADSPI_DR) = 0x00;
    }
    wait_not_busy();
    (void)poll(0x01, 0x00);
    read_n(ccr(QUADSPI_FMODE_IND_READ, L1, L1, L1, 0, 0x03), 1, SUB, rd, 4);
    say_kv("q_after_busy_program", word_at(rd));
}
