/* See nor_min.h. */
#include "nor_min.h"

#include "stm32h7/gpio_regs.h"

int nm_dtr;
int nm_err;

/* Bounded wait: a device that never answers sets nm_err instead of hanging the caller. The bound
 * counts status reads; the simulator jumps virtual time on repeated reads, so real waits (erase,
 * chip erase) need only a few. */
void nm_wait_sr(uintptr_t b, uint32_t bit)
{
    for (uint32_t n = 0; !(R(b, SR) & bit); n++) {
        if (n > 2000u) {
            nm_err = 1;
            R(b, CR) |= OCTOSPI_CR_ABORT;
            return;
        }
    }
}

static void clr(uintptr_t b, uint32_t bit)
{
    R(b, FCR) = bit;
}

void nm_fmode(uintptr_t b, uint32_t m)
{
    R(b, CR) = (R(b, CR) & ~OCTOSPI_CR_FMODE_Msk) | (m << OCTOSPI_CR_FMODE_Pos);
}

void nm_setup(uintptr_t b, uint32_t dcr1, uint32_t tcr)
{
    R(b, CR) = 0;
    R(b, DCR1) = dcr1;
    R(b, DCR2) = 1;
    R(b, TCR) = tcr;
    R(b, CR) = (3u << OCTOSPI_CR_FTHRES_Pos) | OCTOSPI_CR_EN;
}

static uint32_t op(uint32_t o)
{
    return nm_dtr ? (o << 8 | (o ^ 0xFFu)) : o;
}

void nm_cmd(uint32_t o, int has_addr, uint32_t addr)
{
    nm_fmode(O1, 0);
    R(O1, CCR) = nm_dtr ? CCR_DOPI(has_addr, 0, 0) : CCR_SPI(has_addr, 0);
    R(O1, TCR) &= ~OCTOSPI_TCR_DCYC_Msk;
    R(O1, IR) = op(o);
    if (has_addr) {
        R(O1, AR) = addr;
    }
    nm_wait_sr(O1, OCTOSPI_SR_TCF);
    clr(O1, OCTOSPI_FCR_CTCF);
}

void nm_wr(uint32_t o, uint32_t addr, const uint8_t *p, uint32_t n)
{
    nm_fmode(O1, 0);
    R(O1, CCR) = nm_dtr ? CCR_DOPI(1, 1, 0) : CCR_SPI(1, 1);
    R(O1, DLR) = n - 1;
    R(O1, IR) = op(o);
    R(O1, AR) = addr;
    for (uint32_t i = 0; i < n; i++) {
        nm_wait_sr(O1, OCTOSPI_SR_FTF);
        MMIO8(O1, OCTOSPI_DR) = p[i];
    }
    nm_wait_sr(O1, OCTOSPI_SR_TCF);
    clr(O1, OCTOSPI_FCR_CTCF);
}

void nm_rd(uint32_t o, int has_addr, uint32_t addr, uint32_t dummy, uint8_t *p, uint32_t n)
{
    nm_fmode(O1, 0);
    R(O1, CCR) = nm_dtr ? CCR_DOPI(has_addr, 1, 1) : CCR_SPI(has_addr, 1);
    R(O1, TCR) = (R(O1, TCR) & ~OCTOSPI_TCR_DCYC_Msk) | dummy;
    R(O1, DLR) = n - 1;
    nm_fmode(O1, 1);
    R(O1, IR) = op(o);
    if (has_addr) {
        R(O1, AR) = addr;
    }
    for (uint32_t i = 0; i < n; i++) {
        while (!(R(O1, SR) & (OCTOSPI_SR_FTF | OCTOSPI_SR_TCF))) {
        }
        p[i] = MMIO8(O1, OCTOSPI_DR);
    }
    nm_wait_sr(O1, OCTOSPI_SR_TCF);
    clr(O1, OCTOSPI_FCR_CTCF);
}

/* DTR moves an even address and length (RM0468, OCTOSPI): an odd edge is padded with 0xFF, which programs
 * nothing; a program never crosses a 256-byte page (MX25LM51245G datasheet, Page Program). */
void nm_program(uint32_t a, uint32_t size, const uint8_t *buf, void (*wait)(void))
{
    uint32_t end = a + size;
    uint32_t p = a & ~1u;
    while (p < end) {
        uint8_t chunk[256];
        uint32_t n = 256u - (p & 255u);
        if (p + n > ((end + 1u) & ~1u)) {
            n = ((end + 1u) & ~1u) - p;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t x = p + i;
            chunk[i] = (x >= a && x < end) ? buf[x - a] : 0xFF;
        }
        nm_cmd(0x06, 1, 0);
        nm_wr(0x12, p, chunk, n);
        wait();
        p += n;
    }
}

void nm_erase(uint32_t first, uint32_t last, uint32_t sector, uint32_t op, void (*wait)(void))
{
    for (uint32_t s = first & ~(sector - 1u); s <= last; s += sector) {
        nm_cmd(0x06, 1, 0);
        nm_cmd(op, 1, s);
        wait();
    }
}

/* Automatic status polling for WIP=0 (APMS: stops on match). */
void nm_poll_wip(void)
{
    nm_fmode(O1, 0);
    R(O1, CCR) = nm_dtr ? CCR_DOPI(1, 1, 1) : CCR_SPI(0, 1);
    R(O1, TCR) = (R(O1, TCR) & ~OCTOSPI_TCR_DCYC_Msk) | (nm_dtr ? 5u : 0u);
    R(O1, DLR) = nm_dtr ? 1u : 0u;
    R(O1, PSMKR) = 1;
    R(O1, PSMAR) = 0;
    R(O1, PIR) = 0x10;
    R(O1, CR) |= OCTOSPI_CR_APMS;
    nm_fmode(O1, 2);
    R(O1, IR) = op(0x05);
    if (nm_dtr) {
        R(O1, AR) = 0;
    }
    nm_wait_sr(O1, OCTOSPI_SR_SMF);
    clr(O1, OCTOSPI_FCR_CSMF);
    R(O1, CR) &= ~OCTOSPI_CR_APMS;
}

/* The board's OCTOSPI pins in their alternate functions (UM2679 schematic): port << 4 | pin, AF. */
static const uint8_t board_pins[][2] = {
    {6 << 4 | 6, 10}, {5 << 4 | 10, 9}, {1 << 4 | 2, 10}, {3 << 4 | 11, 9}, {3 << 4 | 12, 9}, {4 << 4 | 2, 9},
    {3 << 4 | 13, 9}, {3 << 4 | 4, 10}, {3 << 4 | 5, 10}, {6 << 4 | 9, 9}, {3 << 4 | 7, 10},      /* NOR */
    {6 << 4 | 12, 3}, {5 << 4 | 4, 9}, {5 << 4 | 12, 9}, {5 << 4 | 0, 9}, {5 << 4 | 1, 9}, {5 << 4 | 2, 9},
    {5 << 4 | 3, 9}, {6 << 4 | 0, 9}, {6 << 4 | 1, 9}, {6 << 4 | 10, 3}, {6 << 4 | 11, 9},        /* HyperRAM */
};

__attribute__((unused)) static void pins_on(void)
{
    for (uint32_t i = 0; i < sizeof board_pins / sizeof board_pins[0]; i++) {
        uint32_t port = board_pins[i][0] >> 4, n = board_pins[i][0] & 15u, af = board_pins[i][1];
        uintptr_t g = GPIO_BASE(port);
        uint32_t afr = n < 8u ? GPIO_AFRL : GPIO_AFRH;
        MMIO32(RCC_BASE, RCC_AHB4ENR) |= 1u << port;
        MMIO32(g, afr) = (MMIO32(g, afr) & ~(15u << 4u * (n & 7u))) | af << 4u * (n & 7u);
        MMIO32(g, GPIO_OSPEEDR) |= 3u << 2u * n;
        MMIO32(g, GPIO_MODER) = (MMIO32(g, GPIO_MODER) & ~(3u << 2u * n)) | GPIO_MODE_AF << 2u * n;
    }
}

void nm_clocks_on(void)
{
    MMIO32(RCC_BASE, RCC_AHB3ENR) |= RCC_AHB3ENR_OSPI1EN | RCC_AHB3ENR_OSPI2EN | RCC_AHB3ENR_IOMNGREN;
#ifndef NM_NO_PINS   /* set by users that route the pins themselves (tests/firmware/fidelity) */
    pins_on();
#endif
}

static void sopi_cmd(uint32_t ir)
{
    nm_fmode(O1, 0);
    R(O1, CCR) = 4u | 1u << OCTOSPI_CCR_ISIZE_Pos;
    R(O1, IR) = ir;
    nm_wait_sr(O1, OCTOSPI_SR_TCF);
    clr(O1, OCTOSPI_FCR_CTCF);
}

/* Known state whatever the last run left (mapped, NOR in DOPI): ABORT, then reset the NOR in
 * the DOPI, SOPI and SPI framings (ST's BSP does every framing), then wait out the recovery. */
void nm_spi_init(void)
{
    const uint32_t dcr1 = (25u << OCTOSPI_DCR1_DEVSIZE_Pos) | (1u << OCTOSPI_DCR1_CSHT_Pos);
    nm_clocks_on();
    if (R(O1, SR) & OCTOSPI_SR_BUSY) {
        R(O1, CR) |= OCTOSPI_CR_ABORT;
        nm_wait_sr(O1, OCTOSPI_SR_TCF);
        clr(O1, OCTOSPI_FCR_CTCF);
    }
    nm_dtr = 1;
    nm_setup(O1, dcr1 | (OCTOSPI_MTYP_MACRONIX << OCTOSPI_DCR1_MTYP_Pos), OCTOSPI_TCR_DHQC);
    nm_cmd(0x66, 0, 0);
    nm_cmd(0x99, 0, 0);
    nm_setup(O1, dcr1, 0);  /* SOPI framing: 8 lines STR, 16-bit opcode */
    sopi_cmd(0x6699);
    sopi_cmd(0x9966);
    nm_dtr = 0;
    nm_setup(O1, dcr1 | (OCTOSPI_MTYP_MICRON << OCTOSPI_DCR1_MTYP_Pos), 0);
    nm_cmd(0x66, 0, 0);
    nm_cmd(0x99, 0, 0);
    nm_poll_wip();  /* reset recovery: the device ignores commands other than RDSR meanwhile */
}

void nm_abort(void)
{
    if (R(O1, SR) & OCTOSPI_SR_BUSY) {
        R(O1, CR) |= OCTOSPI_CR_ABORT;
        nm_wait_sr(O1, OCTOSPI_SR_TCF);
        clr(O1, OCTOSPI_FCR_CTCF);
    }
}

void nm_map_dtr(uint32_t dcyc)
{
    R(O1, CCR) = CCR_DOPI(1, 1, 1);
    R(O1, TCR) = OCTOSPI_TCR_DHQC | dcyc;
    R(O1, IR) = 0xEE11;
    nm_fmode(O1, 3);
}

void nm_enter_dopi(void)
{
    uint8_t v;
    nm_spi_init();
    v = 0x07;  /* CR2 0x300: 6 dummy cycles */
    nm_cmd(0x06, 0, 0);
    nm_wr(0x72, 0x300, &v, 1);
    v = 0x02;  /* CR2 0x000: DOPI */
    nm_cmd(0x06, 0, 0);
    nm_wr(0x72, 0x000, &v, 1);
    nm_dtr = 1;
    nm_setup(O1, (OCTOSPI_MTYP_MACRONIX << OCTOSPI_DCR1_MTYP_Pos) | (25u << OCTOSPI_DCR1_DEVSIZE_Pos) |
                     (1u << OCTOSPI_DCR1_CSHT_Pos), OCTOSPI_TCR_DHQC);
    nm_poll_wip();
}

/* Read ID in DOPI: 5 dummy cycles, bytes doubled by DTR; C2h (Macronix), 85h (MX25LM51245G datasheet, RDID). */
int nm_probe_dopi(void)
{
    uint8_t id[6];
    nm_err = 0;
    nm_enter_dopi();
    nm_rd(0x9F, 1, 0, 5, id, 6);
    return !nm_err && id[0] == 0xC2 && id[2] == 0x85;
}
