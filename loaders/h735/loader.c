/* STM32CubeProgrammer external loader for the STM32H735G-DK octal NOR: a thin front end over the
 * same drivers the bootloader uses (firmware/drivers/). ABI: docs/external-loader-abi.md §2.
 *
 * The host loads this image, writes a BKPT stub at 0x24000000, sets LR to it and calls one function;
 * no C runtime has run, interrupts are masked, .bss holds garbage. So: Init zeroes .bss itself, no
 * interrupt or SysTick is used, every wait is bounded (driver deadlines on DWT CYCCNT), and every
 * function returns with the NOR memory-mapped, because the programmer reads the window directly.
 * Return values: 1 = success, 0 = failure (the opposite of CMSIS FLM).
 */
#include <stdint.h>

#include "loaders/common/window.h"
#include <string.h>

#include "scb_regs.h"

#include "drivers/h7/clock.h"
#include "boards/h735/mx25lm_h735dk.h"

#define NOR_WINDOW H735DK_NOR_WINDOW

const uint32_t loader_nor_window = NOR_WINDOW;

extern uint32_t __bss_start__[], __bss_end__[];

/* Reconnect to the NOR that Init left in DOPI, read back from the controller registers. */
static void attach(struct mx25lm *n)
{
    loader_fpu_on();
    h735dk_nor_attach(n);
}

static int back_to_mapped(struct mx25lm *n, ospi_status st)
{
    ospi_status m = mx25lm_map(n);
    return st == OSPI_OK && m == OSPI_OK;
}

/* The clock tree is set up only when it is not already what we want: re-running the PLL setup
 * would first drop SYSCLK and the OCTOSPI kernel clock under a live controller. */
static void clocks(void)
{
    struct clock_freqs f;
    clock_get(&f);
    if (f.sysclk == 520000000u && f.octospi_ker == 200000000u)
        return;
    if (ospi_is_mapped(H735DK_NOR_OSPI))
        (void)ospi_abort(H735DK_NOR_OSPI); /* no access may be in flight while its clock moves */
    /* A failed bring-up leaves the chip on HSI 64 MHz: slower, still correct (the prescaler and
     * the timebase follow the clocks actually running). */
    (void)clock_init(CLOCK_SUPPLY_DIRECT_SMPS);
}

int Init(void)
{
    loader_fpu_on();
    for (uint32_t *p = __bss_start__; p < __bss_end__; p++)
        *p = 0;
    clocks();
    struct mx25lm nor;
    ospi_status st = h735dk_nor_init(&nor);
    if (st == OSPI_E_ACTIVE) {
        /* Someone (an application halted by the probe) left OCTOSPIM routed differently with an
         * OCTOSPI running. Rewiring under it is the HardFault users hit; the RM way is: stop both
         * instances (ABORT ends memory-mapped mode), then route. We run from RAM with interrupts
         * masked, so nothing can touch the windows meanwhile. */
        ospi_disable(OCTOSPI1_R_BASE);
        ospi_disable(OCTOSPI2_R_BASE);
        st = h735dk_nor_init(&nor);
    }
    if (st != OSPI_OK)
        return 0;
    return mx25lm_map(&nor) == OSPI_OK;
}

int Write(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    struct mx25lm nor;
    attach(&nor);
    return back_to_mapped(&nor, mx25lm_program(&nor, loader_nor_offset(Address), buffer, Size));
}

/* End address inclusive: every sector intersecting [start, end] is erased. */
int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    struct mx25lm nor;
    attach(&nor);
    uint32_t a = loader_nor_offset(EraseStartAddress), b = loader_nor_offset(EraseEndAddress);
    ospi_status st = b < a ? OSPI_E_PARAM : mx25lm_erase_range(&nor, a, b - a + 1u);
    return back_to_mapped(&nor, st);
}

int MassErase(uint32_t Parallelism)
{
    (void)Parallelism;
    struct mx25lm nor;
    attach(&nor);
    return back_to_mapped(&nor, mx25lm_erase_chip(&nor));
}

int loader_ensure_mapped(void)
{
    if (ospi_is_mapped(H735DK_NOR_OSPI))
        return 1;
    struct mx25lm nor;
    attach(&nor);
    return mx25lm_map(&nor) == OSPI_OK;
}
