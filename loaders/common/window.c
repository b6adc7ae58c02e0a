/* Read, CheckSum and Verify through the NOR's memory-mapped window: the same for every board. */
#include "window.h"

#include "mmio.h"
#include "scb_regs.h"

/* Built for the hard-float ABI: FPU access before any C code could use it (CPACR is 0 after reset and
 * the programmer does not run start-up code). */
void loader_fpu_on(void)
{
    MMIO32(SCB_BASE, SCB_CPACR) |= SCB_CPACR_CP10_Msk | SCB_CPACR_CP11_Msk;
    __asm volatile("dsb\n\tisb" ::: "memory");
}

/* Host addresses are absolute (0x9xxxxxxx); chip offsets are accepted too, as ST's loaders do. */
uint32_t loader_nor_offset(uint32_t addr)
{
    return addr >= loader_nor_window ? addr - loader_nor_window : addr;
}

int Read(uint32_t Address, uint32_t Size, uint8_t *buffer)
{
    loader_fpu_on();
    if (!loader_ensure_mapped())
        return 0;
    const volatile uint8_t *src = (const volatile uint8_t *)(loader_nor_window + loader_nor_offset(Address));
    for (uint32_t i = 0; i < Size; i++)
        buffer[i] = src[i];
    return 1;
}

/* ST semantics (docs/external-loader-abi.md §4): InitVal + the byte sum of [Start, (Start & ~3) + Size). */
uint32_t CheckSum(uint32_t StartAddress, uint32_t Size, uint32_t InitVal)
{
    loader_fpu_on();
    if (StartAddress >= loader_nor_window && !loader_ensure_mapped())
        return InitVal;
    const volatile uint8_t *p = (const volatile uint8_t *)StartAddress;
    const volatile uint8_t *end = (const volatile uint8_t *)((StartAddress & ~3u) + Size);
    while (p < end)
        InitVal += *p++;
    return InitVal;
}

/* Size in 32-bit words; missalignement packs the checksum's start skip (bits 3:0) and end trim
 * (bits 19:16). Returns R0 = 0 and R1 = checksum on a match; on a mismatch R0 = the address of the
 * first differing byte (never 0: the window is above 0), R1 = checksum. */
uint64_t Verify(uint32_t MemoryAddr, uint32_t RAMBufferAddr, uint32_t Size, uint32_t missalignement)
{
    loader_fpu_on();
    uint32_t mem = loader_nor_window + loader_nor_offset(MemoryAddr);
    uint32_t n = Size * 4u;
    uint32_t sum = CheckSum(mem + (missalignement & 0xFu), n - ((missalignement >> 16) & 0xFu), 0u);
    const volatile uint8_t *a = (const volatile uint8_t *)mem;
    const uint8_t *b = (const uint8_t *)RAMBufferAddr;
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return ((uint64_t)sum << 32) | (mem + i);
    return (uint64_t)sum << 32;
}
