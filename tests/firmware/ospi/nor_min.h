/* Minimal OCTOSPI1 + MX25LM51245G register pokes shared by the OCTOSPI test firmware and the
 * deliberately broken test loaders (tests/firmware/badloaders). Not the product driver: small on
 * purpose, values: docs/hardware-notes.md, MX25LM51245G datasheet. No .data; one .bss flag (nm_dtr), always set
 * before use. */
#ifndef NOR_MIN_H
#define NOR_MIN_H

#include <stdint.h>

#include "mmio.h"
#include "stm32h7/octospi_regs.h"
#include "stm32h7/octospim_regs.h"
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"

#define O1 OCTOSPI1_R_BASE
#define O2 OCTOSPI2_R_BASE
#define R(b, r) MMIO32(b, OCTOSPI_##r)

#define CCR_SPI(ad, d) (1u | ((ad) ? (1u << 8 | 3u << 12) : 0) | ((d) ? 1u << 24 : 0))
#define CCR_DOPI(ad, d, dqs) (4u | OCTOSPI_CCR_IDTR | 1u << 4 | ((ad) ? (4u << 8 | OCTOSPI_CCR_ADDTR | 3u << 12) : 0) | \
                              OCTOSPI_CCR_DDTR | ((d) ? 4u << 24 : 0) | ((dqs) ? OCTOSPI_CCR_DQSE : 0))

extern int nm_dtr;                  /* 1: commands use the DOPI framing */
extern int nm_err;                  /* set when a wait timed out (device not answering) */

void nm_clocks_on(void);
void nm_setup(uintptr_t b, uint32_t dcr1, uint32_t tcr);   /* EN=0, DCR1, DCR2=1, TCR, EN */
void nm_wait_sr(uintptr_t b, uint32_t bit);
void nm_fmode(uintptr_t b, uint32_t m);
void nm_cmd(uint32_t op, int has_addr, uint32_t addr);
void nm_wr(uint32_t op, uint32_t addr, const uint8_t *p, uint32_t n);
void nm_rd(uint32_t op, int has_addr, uint32_t addr, uint32_t dummy, uint8_t *p, uint32_t n);
void nm_poll_wip(void);
/* Program NOR offsets [a, a + size) from buf page by page (Page Program 0x12 in DOPI); `wait` waits out each page. */
void nm_program(uint32_t a, uint32_t size, const uint8_t *buf, void (*wait)(void));
/* Erase every `sector`-byte sector (erase opcode `op`) holding NOR offsets first..last; `wait` waits out each. */
void nm_erase(uint32_t first, uint32_t last, uint32_t sector, uint32_t op, void (*wait)(void));
int nm_probe_dopi(void);            /* nm_enter_dopi, then 1 if an MX25LM51245G answers Read ID, 0 if not */
void nm_abort(void);
void nm_spi_init(void);             /* ABORT, reset the NOR in DOPI and SPI framing, SPI mode */
void nm_enter_dopi(void);           /* 6 dummy cycles, DOPI, controller in Macronix DTR */
void nm_map_dtr(uint32_t dcyc);     /* memory-mapped 8DTRD with dcyc dummy cycles */

#endif
