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
#include <string.h>

#include <scb.h>

#include "drivers/clock.h"
#include "drivers/mx25lm_h735dk.h"

#define NOR_WINDOW H735DK_NOR_WINDOW

extern uint32_t __bss_start__[], __bss_end__[];

/* Compiled for the hard-float ABI: give the FPU access before any C code could use it (CPACR is
 * 0 after reset, and the host does not run our startup code). */
static void fpu_on(void)
{
    MMIO32(SCB_BASE, SCB_CPACR) |= SCB_CPACR_CP10_Msk | SCB_CPACR_CP11_Msk;
    __asm volatile("dsb\n\tisb" ::: "memory");
}

/* Host addresses are absolute (0x9xxxxxxx); accept chip offsets too, as ST's loaders do. */
static uint32_t nor_offset(uint32_t addr)
{
    return addr >= NOR_WINDOW ? addr - NOR_WINDOW : addr;
}

/* Reconnect to the NOR that Init left in DOPI, read back from the controller registers. */
static void attach(struct mx25lm *n)
{
    fpu_on();
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
    fpu_on();
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
    return back_to_mapped(&nor, mx25lm_program(&nor, nor_offset(Address), buffer, Size));
}

/* End address inclusive: every sector intersecting [start, end] is erased. */
int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    struct mx25lm nor;
    attach(&nor);
    uint32_t a = nor_offset(EraseStartAddress), b = nor_offset(EraseEndAddress);
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

static int ensure_mapped(void)
{
    if (ospi_is_mapped(H735DK_NOR_OSPI))
        return 1;
    struct mx25lm nor;
    attach(&nor);
    return mx25lm_map(&nor) == OSPI_OK;
}

int Read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    fpu_on();
    if (!ensure_mapped())
        return 0;
    const volatile uint8_t *src = (const volatile uint8_t *)(NOR_WINDOW + nor_offset(Address));
    for (uint32_t i = 0; i < Size; i++)
        buffer[i] = src[i];
    return 1;
}

/* ST semantics (docs/external-loader-abi.md §4): InitVal + the byte sum of [Start, (Start & ~3) + Size). */
uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal)
{
    fpu_on();
    if (StartAddress >= NOR_WINDOW && !ensure_mapped())
        return InitVal;
    const volatile uint8_t *p = (const volatile uint8_t *)StartAddress;
    const volatile uint8_t *end = (const volatile uint8_t *)((StartAddress & ~3u) + Size);
    while (p < end)
        InitVal += *p++;
    return InitVal;
}

/* Size in 32-bit words; missalignement packs the checksum's start skip (bits 3:0) and end trim
 * (bits 19:16). Returns R0 = 0 and R1 = checksum on a match; on a mismatch R0 = the address of the
 * first differing byte (never 0: the window is at 0x90000000), R1 = checksum. */
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size, uint32_t missalignement)
{
    fpu_on();
    uint32_t mem = NOR_WINDOW + nor_offset(MemoryAddr);
    uint32_t n = Size * 4u;
    uint32_t sum = CheckSum(mem + (missalignement & 0xFu), n - ((missalignement >> 16) & 0xFu), 0u);
    const volatile uint8_t *a = (const volatile uint8_t *)mem;
    const uint8_t *b = (const uint8_t *)RAMBufferAddr;
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return ((uint64_t)sum << 32) | (mem + i);
    return (uint64_t)sum << 32;
}
