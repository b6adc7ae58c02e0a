/* A small external loader for the simulated STM32H735G-DK, built four times: once correct (the
 * harness's control) and once per field failure the loader harness must name (issue 3):
 *   BUG_DUMMY  memory-mapped reads with 5 dummy cycles while the NOR expects 6 (CR2 DC=111):
 *              the first bytes read as 0, everything shifted by 2 (docs/hardware-notes.md)
 *   BUG_OSPIM  a repeated Init "just makes sure the IO manager is set up" while the NOR is mapped,
 *              HAL_OSPIM_Config-style (EN=0, rewrite P1CR, EN=1, no ABORT) (RM0468, OCTOSPIM chapter)
 *   BUG_BSS    "initialise once" flag in .bss, never zeroed: garbage says "already done" (docs/external-loader-abi.md §3)
 *   BUG_STACK  a 2 KB local buffer in Init: more than the ~1 KB stack the programmer provides
 *   BUG_STRAY  Write leaves a "last address" breadcrumb at a fixed DTCM address (an application's
 *              habit): RAM that belongs to the programmer, not the loader (docs/external-loader-abi.md §5.7)
 * NOR in DOPI, 4 KB sectors; mapped read 8DTRD. Everything else lives in ../ospi/nor_min.c.
 */
#include <stdint.h>

#include "nor_min.h"
#include "storage_info.h"

#ifndef MM_DCYC
#define MM_DCYC 6u
#endif
#define NOR_BASE OCTOSPI1_MEM_BASE
#define PAGE 256u

__attribute__((section(".storage_info"), used))
const struct storage_info StorageInfo = {
    .name = LOADER_NAME, .type = 3, .start = NOR_BASE, .size = 64u << 20, .page = PAGE,
    .erase_value = 0xFF, .sectors = {{16384u, 4096u}, {0u, 0u}},
};

#ifdef BUG_BSS
static uint32_t initialised;   /* BUG: assumes .bss is zero; no start-up code zeroes it */
#endif

static void map(void)
{
    nm_map_dtr(MM_DCYC);
}

int Init(void)
{
#ifdef BUG_STACK
    volatile uint8_t scratch[2048];
    for (uint32_t i = 0; i < sizeof scratch; i++) {
        scratch[i] = (uint8_t)i;
    }
#endif
#ifdef BUG_BSS
    if (initialised) {
        return 1;
    }
#endif
#ifdef BUG_OSPIM
    if ((R(O1, CR) & OCTOSPI_CR_EN) && (R(O1, CR) & OCTOSPI_CR_FMODE_Msk) == OCTOSPI_CR_FMODE_Msk) {
        R(O1, CR) &= ~OCTOSPI_CR_EN;          /* what HAL_OSPIM_Config does: no ABORT */
        MMIO32(OCTOSPIM_BASE, OCTOSPIM_P1CR) = OCTOSPIM_P1CR_RESET;
        R(O1, CR) |= OCTOSPI_CR_EN;
        return 1;
    }
#endif
    if (!nm_probe_dopi()) {
        return 0;  /* no MX25LM51245G answering: fail, do not hang */
    }
    map();
#ifdef BUG_BSS
    initialised = 1;
#endif
    return 1;
}

int Write(uint32_t addr, uint32_t size, const uint8_t *buf)
{
#ifdef BUG_STRAY
    *(volatile uint32_t *)0x20000100u = addr;
#endif
    nm_abort();
    nm_program(addr - NOR_BASE, size, buf, nm_poll_wip);
    map();
    return 1;
}

int SectorErase(uint32_t first, uint32_t last)
{
    nm_abort();
    nm_erase(first - NOR_BASE, last - NOR_BASE, 0x1000u, 0x21u, nm_poll_wip);
    map();
    return 1;
}

int MassErase(uint32_t parallelism)
{
    (void)parallelism;
    nm_abort();
    nm_cmd(0x06, 1, 0);
    nm_cmd(0x60, 0, 0);
    nm_poll_wip();
    map();
    return 1;
}
