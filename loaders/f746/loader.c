/* STM32CubeProgrammer external loader for the STM32F746G-DISCO quad-SPI NOR, one loader for every board
 * revision: Init reads the JEDEC ID and drives the part it finds (N25Q128A up to rev B, W25Q128JV from
 * rev C-03), with the same QUADSPI/NOR drivers as the bootloader. ABI: external-loader-abi.md §2.
 *
 * No C runtime has run and .bss holds garbage when the programmer calls us: Init zeroes .bss; every
 * function finds the controller as Init left it (configured, NOR memory-mapped), re-identifies the part
 * from its JEDEC ID (nothing survives between calls that the programmer might reload), and returns with
 * the NOR memory-mapped, because the programmer reads the window directly. Every wait is bounded.
 * Return values: 1 = success, 0 = failure.
 */
#include <stdint.h>

#include "mmio.h"
#include "scb.h"

#include "boards/f746/wiring.h"
#include "drivers/f7/qnor.h"
#include "drivers/f7/qspi.h"

#define NOR_WINDOW F746_NOR_WINDOW

extern uint32_t __bss_start__[], __bss_end__[];

/* Built for the hard-float ABI: FPU access before any C code could use it (CPACR is 0 after reset and
 * the programmer does not run start-up code). */
static void fpu_on(void)
{
    MMIO32(SCB_BASE, SCB_CPACR) |= SCB_CPACR_CP10_Msk | SCB_CPACR_CP11_Msk;
    __asm volatile("dsb\n\tisb" ::: "memory");
}

/* Host addresses are absolute (0x9xxxxxxx); chip offsets are accepted too, as ST's loaders do. */
static uint32_t nor_offset(uint32_t addr)
{
    return addr >= NOR_WINDOW ? addr - NOR_WINDOW : addr;
}

static int attach(struct qnor *n)
{
    fpu_on();
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
    fpu_on();
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
    return back_to_mapped(&nor, qnor_program(&nor, nor_offset(Address), buffer, Size));
}

/* End address inclusive: every subsector intersecting [start, end] is erased. */
int SectorErase(uint32_t EraseStartAddress, uint32_t EraseEndAddress)
{
    struct qnor nor;
    if (!attach(&nor)) return 0;
    uint32_t a = nor_offset(EraseStartAddress), b = nor_offset(EraseEndAddress);
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

static int ensure_mapped(void)
{
    if (qspi_is_mapped())
        return 1;
    struct qnor nor;
    return attach(&nor) && qnor_map(&nor) == QSPI_OK;
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

/* ST semantics (external-loader-abi.md §2.5): InitVal + the byte sum of [Start, (Start & ~3) + Size). */
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
 * (bits 19:16). R0 = 0 and R1 = checksum on a match; on a mismatch R0 = the first differing address. */
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
