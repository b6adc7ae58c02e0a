/* Simulator test firmware for the OCTOSPI side: each function is one scenario that the Python test
 * calls like a loader entry point (machine.call: R0-R3 in, R0 out, return onto a BKPT stub). It is
 * RAM-linked and needs no start-up: no .data, no .bss, only the stack.
 * Minimal register pokes on purpose (not the product driver): this firmware checks the MODELS, with
 * values from h735-hardware.md §3.3 (BSP) so it also documents what a correct driver writes.
 * Return value: 0 = scenario passed, otherwise a step number (which check failed).
 */
#include <stdint.h>

#include "mmio.h"
#include "octospi.h"
#include "octospim.h"
#include "rcc.h"
#include "stm32h735.h"

#define O1 OCTOSPI1_R_BASE
#define O2 OCTOSPI2_R_BASE
#define R(b, r) MMIO32(b, OCTOSPI_##r)
#define CCR_SPI(ad, d) (1u | ((ad) ? (1u << 8 | 3u << 12) : 0) | ((d) ? 1u << 24 : 0))
#define CCR_DOPI(ad, d, dqs) (4u | OCTOSPI_CCR_IDTR | 1u << 4 | ((ad) ? (4u << 8 | OCTOSPI_CCR_ADDTR | 3u << 12) : 0) | \
                              OCTOSPI_CCR_DDTR | ((d) ? 4u << 24 : 0) | ((dqs) ? OCTOSPI_CCR_DQSE : 0))

static int dtr_mode;

static void wait_sr(uintptr_t b, uint32_t bit)
{
    while (!(R(b, SR) & bit)) {
    }
}

static void clr(uintptr_t b, uint32_t bit)
{
    R(b, FCR) = bit;
}

static void fmode(uintptr_t b, uint32_t m)
{
    R(b, CR) = (R(b, CR) & ~OCTOSPI_CR_FMODE_Msk) | (m << OCTOSPI_CR_FMODE_Pos);
}

static void setup(uintptr_t b, uint32_t dcr1, uint32_t tcr)
{
    R(b, CR) = 0;
    R(b, DCR1) = dcr1;
    R(b, DCR2) = 1;
    R(b, TCR) = tcr;
    R(b, CR) = (3u << OCTOSPI_CR_FTHRES_Pos) | OCTOSPI_CR_EN;
}

static uint32_t op(uint32_t o)
{
    return dtr_mode ? (o << 8 | (o ^ 0xFFu)) : o;
}

static void cmd(uint32_t o, int has_addr, uint32_t addr)
{
    fmode(O1, 0);
    R(O1, CCR) = dtr_mode ? CCR_DOPI(has_addr, 0, 0) : CCR_SPI(has_addr, 0);
    R(O1, TCR) &= ~OCTOSPI_TCR_DCYC_Msk;
    R(O1, IR) = op(o);
    if (has_addr) {
        R(O1, AR) = addr;
    }
    wait_sr(O1, OCTOSPI_SR_TCF);
    clr(O1, OCTOSPI_FCR_CTCF);
}

static void wr(uint32_t o, uint32_t addr, const uint8_t *p, uint32_t n)
{
    fmode(O1, 0);
    R(O1, CCR) = dtr_mode ? CCR_DOPI(1, 1, 0) : CCR_SPI(1, 1);
    R(O1, DLR) = n - 1;
    R(O1, IR) = op(o);
    R(O1, AR) = addr;
    for (uint32_t i = 0; i < n; i++) {
        wait_sr(O1, OCTOSPI_SR_FTF);
        MMIO8(O1, OCTOSPI_DR) = p[i];
    }
    wait_sr(O1, OCTOSPI_SR_TCF);
    clr(O1, OCTOSPI_FCR_CTCF);
}

static void rd(uint32_t o, int has_addr, uint32_t addr, uint32_t dummy, uint8_t *p, uint32_t n)
{
    fmode(O1, 0);
    R(O1, CCR) = dtr_mode ? CCR_DOPI(has_addr, 1, 1) : CCR_SPI(has_addr, 1);
    R(O1, TCR) = (R(O1, TCR) & ~OCTOSPI_TCR_DCYC_Msk) | dummy;
    R(O1, DLR) = n - 1;
    fmode(O1, 1);
    R(O1, IR) = op(o);
    if (has_addr) {
        R(O1, AR) = addr;
    }
    for (uint32_t i = 0; i < n; i++) {
        while (!(R(O1, SR) & (OCTOSPI_SR_FTF | OCTOSPI_SR_TCF))) {
        }
        p[i] = MMIO8(O1, OCTOSPI_DR);
    }
    wait_sr(O1, OCTOSPI_SR_TCF);
    clr(O1, OCTOSPI_FCR_CTCF);
}

/* Automatic status polling for WIP=0 (APMS: stops on match). */
static void poll_wip(void)
{
    fmode(O1, 0);
    R(O1, CCR) = dtr_mode ? CCR_DOPI(1, 1, 1) : CCR_SPI(0, 1);
    R(O1, TCR) = (R(O1, TCR) & ~OCTOSPI_TCR_DCYC_Msk) | (dtr_mode ? 5u : 0u);
    R(O1, DLR) = dtr_mode ? 1u : 0u;
    R(O1, PSMKR) = 1;
    R(O1, PSMAR) = 0;
    R(O1, PIR) = 0x10;
    R(O1, CR) |= OCTOSPI_CR_APMS;
    fmode(O1, 2);
    R(O1, IR) = op(0x05);
    if (dtr_mode) {
        R(O1, AR) = 0;
    }
    wait_sr(O1, OCTOSPI_SR_SMF);
    clr(O1, OCTOSPI_FCR_CSMF);
    R(O1, CR) &= ~OCTOSPI_CR_APMS;
}

static void clocks_on(void)
{
    MMIO32(RCC_BASE, RCC_AHB3ENR) |= RCC_AHB3ENR_OSPI1EN | RCC_AHB3ENR_OSPI2EN | RCC_AHB3ENR_IOMNGREN;
}

/* Known state whatever the last run left (mapped, NOR in DOPI): ABORT, then reset the NOR in
 * the DOPI framing and in SPI (the BSP does every framing, §6.1), then wait out the recovery. */
static void spi_init(void)
{
    const uint32_t dcr1 = (25u << OCTOSPI_DCR1_DEVSIZE_Pos) | (1u << OCTOSPI_DCR1_CSHT_Pos);
    clocks_on();
    if (R(O1, SR) & OCTOSPI_SR_BUSY) {
        R(O1, CR) |= OCTOSPI_CR_ABORT;
        wait_sr(O1, OCTOSPI_SR_TCF);
        clr(O1, OCTOSPI_FCR_CTCF);
    }
    dtr_mode = 1;
    setup(O1, dcr1 | (OCTOSPI_MTYP_MACRONIX << OCTOSPI_DCR1_MTYP_Pos), OCTOSPI_TCR_DHQC);
    cmd(0x66, 0, 0);
    cmd(0x99, 0, 0);
    dtr_mode = 0;
    setup(O1, dcr1 | (OCTOSPI_MTYP_MICRON << OCTOSPI_DCR1_MTYP_Pos), 0);
    cmd(0x66, 0, 0);
    cmd(0x99, 0, 0);
    poll_wip();  /* reset recovery: the device ignores commands other than RDSR meanwhile */
}

static int program_and_check(uint32_t addr, uint32_t rd_op, uint32_t dummy)
{
    uint8_t buf[40], back[40];
    for (int i = 0; i < 40; i++) {
        buf[i] = (uint8_t)(0xA0 + i);
    }
    cmd(0x06, dtr_mode, 0);
    wr(0x12, addr, buf, 40);
    poll_wip();
    rd(rd_op, 1, addr, dummy, back, 40);
    for (int i = 0; i < 40; i++) {
        if (back[i] != buf[i]) {
            return 10 + i;
        }
    }
    return 0;
}

/* Indirect write/read and status polling in SPI (1S-1S-1S). */
int t_spi(void)
{
    uint8_t id[3];
    spi_init();
    rd(0x9F, 0, 0, 0, id, 3);
    if (id[0] != 0xC2 || id[1] != 0x85 || id[2] != 0x3A) {
        return 1;
    }
    cmd(0x06, 0, 0);
    cmd(0x21, 1, 0x1000);   /* 4 KB erase, 4-byte address */
    poll_wip();
    return program_and_check(0x1000, 0x0C, 8);
}

/* Switch the NOR to DOPI (BSP order, §6.1) and do the same in octal DTR. */
static void enter_dopi(void)
{
    uint8_t v;
    spi_init();
    v = 0x07;  /* CR2 0x300: 6 dummy cycles */
    cmd(0x06, 0, 0);
    wr(0x72, 0x300, &v, 1);
    v = 0x02;  /* CR2 0x000: DOPI */
    cmd(0x06, 0, 0);
    wr(0x72, 0x000, &v, 1);
    dtr_mode = 1;
    setup(O1, (OCTOSPI_MTYP_MACRONIX << OCTOSPI_DCR1_MTYP_Pos) | (25u << OCTOSPI_DCR1_DEVSIZE_Pos) |
                  (1u << OCTOSPI_DCR1_CSHT_Pos), OCTOSPI_TCR_DHQC);
}

int t_dopi(void)
{
    uint8_t id[6];
    enter_dopi();
    poll_wip();
    rd(0x9F, 1, 0, 5, id, 6);
    if (id[0] != 0xC2 || id[1] != 0xC2 || id[4] != 0x3A) {
        return 1;
    }
    cmd(0x06, 1, 0);
    cmd(0x21, 1, 0x2000);
    poll_wip();
    return program_and_check(0x2000, 0xEE, 6);
}

/* Memory-mapped DTR reads with `dcyc` dummy cycles (6 is right): returns the first word at 0x90002000. */
uint32_t t_map_dtr(uint32_t dcyc)
{
    enter_dopi();
    R(O1, CCR) = CCR_DOPI(1, 1, 1);
    R(O1, TCR) = OCTOSPI_TCR_DHQC | dcyc;
    R(O1, IR) = 0xEE11;
    fmode(O1, 3);
    return MMIO32(OCTOSPI1_MEM_BASE, 0x2000);
}

/* A store into the read-only NOR window: bus fault expected (never returns 0). */
int t_write_mapped_nor(void)
{
    t_map_dtr(6);
    MMIO32(OCTOSPI1_MEM_BASE, 0x100) = 0x12345678;
    __asm__ volatile("dsb" ::: "memory");
    return 0;
}

/* HyperRAM on OCTOSPI2, memory-mapped read/write (§3.3, §7). */
int t_hyperram(void)
{
    clocks_on();
    R(O2, CR) = 0;
    R(O2, DCR1) = 0x04170300;
    R(O2, DCR2) = 1;
    R(O2, DCR3) = 0x00170000;
    R(O2, DCR4) = 0x190;
    R(O2, TCR) = OCTOSPI_TCR_DHQC;
    R(O2, HLCR) = 0x00030601;
    R(O2, CCR) = 0x2C003C00;
    R(O2, WCCR) = 0x2C003C00;
    R(O2, CR) = OCTOSPI_CR_EN | (3u << OCTOSPI_CR_FMODE_Pos);
    volatile uint32_t *p = (volatile uint32_t *)OCTOSPI2_MEM_BASE;
    for (uint32_t i = 0; i < 64; i++) {
        p[i + 0x20000] = i * 0x01010101u ^ 0xA5A5A5A5u;
    }
    for (uint32_t i = 0; i < 64; i++) {
        if (p[i + 0x20000] != (i * 0x01010101u ^ 0xA5A5A5A5u)) {
            return 1 + (int)i;
        }
    }
    return 0;
}

/* ABORT of an indirect read in progress: self-clearing, sets TCF, BUSY drops, FIFO flushed. */
int t_abort(void)
{
    spi_init();
    fmode(O1, 0);
    R(O1, CCR) = CCR_SPI(1, 1);
    R(O1, TCR) = 8;
    R(O1, DLR) = 255;
    fmode(O1, 1);
    R(O1, IR) = 0x0C;
    R(O1, AR) = 0;
    if (!(R(O1, SR) & OCTOSPI_SR_BUSY)) {
        return 1;
    }
    R(O1, CR) |= OCTOSPI_CR_ABORT;
    if (R(O1, CR) & OCTOSPI_CR_ABORT) {
        return 2;
    }
    wait_sr(O1, OCTOSPI_SR_TCF);
    if (R(O1, SR) & (OCTOSPI_SR_BUSY | OCTOSPI_SR_FLEVEL_Msk)) {
        return 3;
    }
    clr(O1, OCTOSPI_FCR_CTCF);
    return 0;
}

/* The field failure: map the NOR, then rewrite OCTOSPIM like HAL_OSPIM_Config, then read the window. */
uint32_t t_ospim_fault(void)
{
    t_map_dtr(6);
    MMIO32(OCTOSPIM_BASE, OCTOSPIM_P2CR) = OCTOSPIM_P2CR_RESET;
    return MMIO32(OCTOSPI1_MEM_BASE, 0x2000);
}
