/* Octal DTR (8D-8D-8D) transfers with an odd address or an odd byte count on the MX25LM51245G, indirect
 * mode, register by register so the test sees what the controller does (FIFO level, BUSY). */
#include <stdint.h>

#include "nor_min.h"

#define SR_FLEVEL(sr) (((sr) >> OCTOSPI_SR_FLEVEL_Pos) & 0x3Fu)

static void read_setup(uint32_t addr, uint32_t n)
{
    nm_fmode(O1, 0);
    R(O1, CCR) = CCR_DOPI(1, 1, 1);
    R(O1, TCR) = OCTOSPI_TCR_DHQC | 6u;
    R(O1, DLR) = n - 1u;
    nm_fmode(O1, 1);
    R(O1, IR) = 0xEE11u;
    R(O1, AR) = addr;
}

/* Enter DOPI once (the NOR and the controller), for the scenarios below. */
int t_dtr_enter(void)
{
    uint8_t id[6];
    nm_enter_dopi();
    nm_rd(0x9F, 1, 0, 5, id, 6);
    return id[0] == 0xC2 && id[2] == 0x85 ? 0 : 1;
}

/* Read `n` bytes at `addr` into out[], byte by byte once FLEVEL says they are there, then wait for
 * the end of the transfer. Returns SR after the n bytes were taken (BUSY, FLEVEL tell what is left). */
uint32_t t_dtr_read(uint32_t addr, uint32_t n, uint8_t *out)
{
    read_setup(addr, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t guard = 0;
        while (SR_FLEVEL(R(O1, SR)) == 0u && ++guard < 100000u) {
        }
        out[i] = MMIO8(O1, OCTOSPI_DR);
    }
    for (uint32_t guard = 0; !(R(O1, SR) & OCTOSPI_SR_TCF) && guard < 100000u; guard++) {
    }
    return R(O1, SR);
}

/* Drain whatever the FIFO still holds (returns the number of bytes), then clear TCF. */
uint32_t t_dtr_drain(void)
{
    uint32_t k = 0;
    while (SR_FLEVEL(R(O1, SR)) && k < 64u) {
        (void)MMIO8(O1, OCTOSPI_DR);
        k++;
    }
    R(O1, FCR) = OCTOSPI_FCR_CTCF;
    return k | (R(O1, SR) & OCTOSPI_SR_BUSY) << 8;
}

/* Page program `n` bytes of in[] at `addr` (WREN first), wait WIP=0. */
int t_dtr_program(uint32_t addr, uint32_t n, const uint8_t *in)
{
    nm_cmd(0x06, 1, 0);
    nm_wr(0x12, addr, in, n);
    nm_poll_wip();
    return nm_err;
}
