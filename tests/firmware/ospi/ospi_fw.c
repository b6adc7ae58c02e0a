/* Simulator test firmware for the OCTOSPI side: each function is one scenario that the Python test
 * calls like a loader entry point (machine.call: R0-R3 in, R0 out, return onto a BKPT stub). It is
 * RAM-linked and needs no start-up: no .data, no .bss, only the stack.
 * Minimal register pokes on purpose (not the product driver): this firmware checks the MODELS, with
 * values from ST's BSP (docs/hardware-notes.md) so it also documents what a correct driver writes.
 * Return value: 0 = scenario passed, otherwise a step number (which check failed).
 */
#include "nor_min.h"

static int program_and_check(uint32_t addr, uint32_t rd_op, uint32_t dummy)
{
    uint8_t buf[40], back[40];
    for (int i = 0; i < 40; i++) {
        buf[i] = (uint8_t)(0xA0 + i);
    }
    nm_cmd(0x06, nm_dtr, 0);
    nm_wr(0x12, addr, buf, 40);
    nm_poll_wip();
    nm_rd(rd_op, 1, addr, dummy, back, 40);
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
    nm_spi_init();
    nm_rd(0x9F, 0, 0, 0, id, 3);
    if (id[0] != 0xC2 || id[1] != 0x85 || id[2] != 0x3A) {
        return 1;
    }
    nm_cmd(0x06, 0, 0);
    nm_cmd(0x21, 1, 0x1000);   /* 4 KB erase, 4-byte address */
    nm_poll_wip();
    return program_and_check(0x1000, 0x0C, 8);
}

int t_dopi(void)
{
    uint8_t id[6];
    nm_enter_dopi();
    nm_rd(0x9F, 1, 0, 5, id, 6);
    if (id[0] != 0xC2 || id[1] != 0xC2 || id[4] != 0x3A) {
        return 1;
    }
    nm_cmd(0x06, 1, 0);
    nm_cmd(0x21, 1, 0x2000);
    nm_poll_wip();
    return program_and_check(0x2000, 0xEE, 6);
}

/* Memory-mapped DTR reads with `dcyc` dummy cycles (6 is right): returns the first word at 0x90002000. */
uint32_t t_map_dtr(uint32_t dcyc)
{
    nm_enter_dopi();
    nm_map_dtr(dcyc);
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

/* HyperRAM on OCTOSPI2 memory-mapped with the BSP values (docs/hardware-notes.md; S70KL1281 datasheet) but DCR3, LPTR, CR extras given. */
static void hyper_map(uint32_t dcr3, uint32_t lptr, uint32_t cr_extra)
{
    nm_clocks_on();
    R(O2, CR) = 0;
    R(O2, DCR1) = 0x04170300;
    R(O2, DCR2) = 1;
    R(O2, DCR3) = dcr3;
    R(O2, DCR4) = 0x190;
    R(O2, TCR) = OCTOSPI_TCR_DHQC;
    R(O2, HLCR) = 0x00030601;
    R(O2, CCR) = 0x2C003C00;
    R(O2, WCCR) = 0x2C003C00;
    R(O2, LPTR) = lptr;
    R(O2, CR) = OCTOSPI_CR_EN | (3u << OCTOSPI_CR_FMODE_Pos) | cr_extra;
}

/* HyperRAM on OCTOSPI2, memory-mapped read/write (docs/hardware-notes.md). */
int t_hyperram(void)
{
    hyper_map(0x00170000, 0, 0);
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
    nm_spi_init();
    nm_fmode(O1, 0);
    R(O1, CCR) = CCR_SPI(1, 1);
    R(O1, TCR) = 8;
    R(O1, DLR) = 255;
    nm_fmode(O1, 1);
    R(O1, IR) = 0x0C;
    R(O1, AR) = 0;
    if (!(R(O1, SR) & OCTOSPI_SR_BUSY)) {
        return 1;
    }
    R(O1, CR) |= OCTOSPI_CR_ABORT;
    if (R(O1, CR) & OCTOSPI_CR_ABORT) {
        return 2;
    }
    nm_wait_sr(O1, OCTOSPI_SR_TCF);
    if (R(O1, SR) & (OCTOSPI_SR_BUSY | OCTOSPI_SR_FLEVEL_Msk)) {
        return 3;
    }
    R(O1, FCR) = OCTOSPI_FCR_CTCF;
    return 0;
}

/* The field failure: map the NOR, then rewrite OCTOSPIM like HAL_OSPIM_Config, then read the window. */
uint32_t t_ospim_fault(void)
{
    t_map_dtr(6);
    MMIO32(OCTOSPIM_BASE, OCTOSPIM_P2CR) = OCTOSPIM_P2CR_RESET;
    return MMIO32(OCTOSPI1_MEM_BASE, 0x2000);
}

/* Sum of the first n bytes (multiple of 4) of the mapped NOR read with `dcyc` dummy cycles:
 * the benchmark's guest-side read loop (direct window for 6, per-access transfers for others). */
uint32_t t_sum_mapped(uint32_t n, uint32_t dcyc)
{
    uint32_t s = 0;
    nm_enter_dopi();
    nm_map_dtr(dcyc);
    for (uint32_t i = 0; i < n; i += 4) {
        s += MMIO32(OCTOSPI1_MEM_BASE, i);
    }
    return s;
}

/* Memory-mapped timeout (RM0468, OCTOSPI_SR.TOF): after an access, poll SR until TOF; BUSY must have dropped, and
 * the next access raises it again. Returns 0, or where it went wrong. */
int t_hyper_timeout(uint32_t lptr)
{
    volatile uint32_t *p = (volatile uint32_t *)OCTOSPI2_MEM_BASE;
    hyper_map(0x00170000, lptr, OCTOSPI_CR_TCEN);
    p[0] = 0x11223344u;
    for (uint32_t i = 0; !(R(O2, SR) & OCTOSPI_SR_TOF); i++) {
        if (i > 100000u) {
            return 1;
        }
    }
    if (R(O2, SR) & OCTOSPI_SR_BUSY) {
        return 2;
    }
    R(O2, FCR) = OCTOSPI_FCR_CTOF;
    if (R(O2, SR) & OCTOSPI_SR_TOF) {
        return 3;
    }
    return p[0] == 0x11223344u ? 0 : 4;
}

/* Words written at the end of die 0 and the start of die 1 (0x70800000, S70KL1281 datasheet), then read back in one
 * sequential run across the boundary: returns the word read at 0x70800000 (0xD1D1D1D1 is right). */
uint32_t t_hyper_dies(uint32_t dcr3)
{
    volatile uint32_t *p = (volatile uint32_t *)OCTOSPI2_MEM_BASE;
    const uint32_t die = (8u << 20) / 4u;
    hyper_map(dcr3, 0, 0);
    p[0] = 0;
    p[die - 2] = p[die - 1] = 0xD0D0D0D0u;
    p[die] = p[die + 1] = 0xD1D1D1D1u;
    uint32_t got[4];
    for (uint32_t i = 0; i < 4; i++) {
        got[i] = p[die - 2 + i];
    }
    return got[2];
}
