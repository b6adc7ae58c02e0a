/* STM32CubeProgrammer external loader for the STM32F746G-DISCO quad-SPI NOR, one loader for every board
 * revision: Init reads the JEDEC ID and drives the part it finds (N25Q128A up to rev B, W25Q128JV from
 * rev C-03), with the same QUADSPI/NOR drivers as the bootloader. ABI: docs/external-loader-abi.md §2.
 *
 * No C runtime has run and .bss holds garbage when the programmer calls us: Init zeroes .bss; every
 * function finds the controller as Init left it (configured, NOR memory-mapped), re-identifies the part
 * from its JEDEC ID (nothing survives between calls that the programmer might reload), and returns with
 * the NOR memory-mapped, because the programmer reads the window directly. Every wait is bounded.
 * Return values: 1 = success, 0 = failure.
 */
#include <stdint.h>

#include "loaders/common/window.h"

#include "mmio.h"
#include "scb_regs.h"

#include "boards/f746/wiring.h"
#include "drivers/f7/qnor.h"
#include "drivers/f7/qspi.h"

#define NOR_WINDOW F746_NOR_WINDOW

const uint32_t loader_nor_window = NOR_WINDOW;

extern uint32_t __bss_start__[], __bss_end__[];

static int attach(struct qnor *n)
{
    loader_fpu_on();
    qspi_set_clock(wiring_hclk());
    return qnor_attach(n) == QSPI_OK;
}

static int back_to_mapped(struct qnor *n, qspi_status st)
{
    qspi_status m = qnor_map(n);
    return st == QSPI_OK && m == QSPI_OK;
}

int Init(void)
{
    loader_fpu_on();
    for (uint32_t *p = __bss_start__; p < __bss_end__; p++)
        *p = 0;
    /* An application halted by the probe may have left the window mapped: leave that mode before the
     * clocks or the controller change under it. */
    if (qspi_is_mapped())
        (void)qspi_unmap();
    (void)wiring_clocks();   /* a failed PLL leaves HSI 16 MHz: slower, still correct */
    wiring_qspi();
    struct qnor nor;
    if (qnor_init(&nor) != QSPI_OK)
        return 0;            /* an unknown JEDEC ID included: never guess a part */
    return qnor_map(&nor) == QSPI_OK;
}

int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    struct qnor nor;
    if (!attach(&nor)) return 0;
    return back_to_mapped(&nor, qnor_program(&nor, loader_nor_offset(Address), buffer, Size));
}

/* End address inclusive: every subsector intersecting [start, end] is erased. */
int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    struct qnor nor;
    if (!attach(&nor)) return 0;
    uint32_t a = loader_nor_offset(EraseStartAddress), b = loader_nor_offset(EraseEndAddress);
    qspi_status st = b < a ? QSPI_E_PARAM : qnor_erase_range(&nor, a, b - a + 1u);
    return back_to_mapped(&nor, st);
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    struct qnor nor;
    if (!attach(&nor)) return 0;
    return back_to_mapped(&nor, qnor_erase_chip(&nor));
}

int loader_ensure_mapped(void)
{
    if (qspi_is_mapped())
        return 1;
    struct qnor nor;
    return attach(&nor) && qnor_map(&nor) == QSPI_OK;
}
