/* The scenarios of the core test firmware (core.h). Each one exercises one simulator-core behaviour
 * from the firmware side, with plain register accesses (firmware/regs/scb_regs.h). */
#include "core.h"
#include "mmio.h"
#include "scb_regs.h"

#define RESULT(i) MMIO32(CORE_RESULT_ADDR, 4u * (i))

static volatile uint32_t ticks;
static volatile uint32_t svc_seen;

void SysTick_Handler(void)
{
    ticks++;
}

static void ram_svc_handler(void)
{
    svc_seen = 0x5AC;
}

/* 16 core vectors are enough for this test; VTOR needs 128-byte alignment for them. */
static uint32_t ram_vectors[16] __attribute__((aligned(128)));

static uint32_t systick_poll(uint32_t n)
{
    MMIO32(SYST_BASE, SYST_RVR) = 63999u;          /* 1 ms at the 64 MHz reset clock */
    MMIO32(SYST_BASE, SYST_CVR) = 0;
    MMIO32(SYST_BASE, SYST_CSR) = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE;
    for (uint32_t i = 0; i < n; i++) {
        while (!(MMIO32(SYST_BASE, SYST_CSR) & SYST_CSR_COUNTFLAG)) {
        }
    }
    MMIO32(SYST_BASE, SYST_CSR) = 0;
    return n;
}

static uint32_t dwt_loop(uint32_t n)
{
    MMIO32(SCB_BASE, SCB_DEMCR) |= SCB_DEMCR_TRCENA;
    MMIO32(DWT_BASE, DWT_LAR) = DWT_LAR_KEY;
    MMIO32(DWT_BASE, DWT_CYCCNT) = 0;
    MMIO32(DWT_BASE, DWT_CTRL) |= DWT_CTRL_CYCCNTENA;
    uint32_t t0 = MMIO32(DWT_BASE, DWT_CYCCNT);
    for (volatile uint32_t i = 0; i < n; i++) {
    }
    uint32_t t1 = MMIO32(DWT_BASE, DWT_CYCCNT);
    RESULT(0) = t0;
    RESULT(1) = t1;
    return t1 - t0;
}

static uint32_t wfi_ticks(uint32_t n)
{
    ticks = 0;
    MMIO32(SYST_BASE, SYST_RVR) = 63999u;
    MMIO32(SYST_BASE, SYST_CVR) = 0;
    MMIO32(SYST_BASE, SYST_CSR) = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT;
    while (ticks < n) {
        __asm__ volatile("wfi");
    }
    MMIO32(SYST_BASE, SYST_CSR) = 0;
    return ticks;
}

static uint32_t vtor_svc(void)
{
    const uint32_t *flash_vectors = (const uint32_t *)MMIO32(SCB_BASE, SCB_VTOR);
    for (int i = 0; i < 16; i++) {
        ram_vectors[i] = flash_vectors[i];
    }
    ram_vectors[11] = (uint32_t)(uintptr_t)ram_svc_handler;
    MMIO32(SCB_BASE, SCB_VTOR) = (uint32_t)(uintptr_t)ram_vectors;
    __asm__ volatile("dsb\n\tisb\n\tsvc #3" ::: "memory");
    return svc_seen;
}

static uint32_t crc32_bitwise(const uint8_t *p, uint32_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

static uint32_t dcache_clean_invalidate_all(void)
{
    uint32_t count = 0;
    MMIO32(SCB_BASE, SCB_CSSELR) = 0;               /* level 1 data cache */
    __asm__ volatile("dsb" ::: "memory");
    uint32_t ccsidr = MMIO32(SCB_BASE, SCB_CCSIDR);
    uint32_t sets = FIELD_GET(ccsidr, SCB_CCSIDR_NUMSETS);
    do {
        uint32_t ways = FIELD_GET(ccsidr, SCB_CCSIDR_ASSOCIATIVITY);
        do {
            MMIO32(SCB_BASE, SCB_DCCISW) = (sets << 5) | (ways << 30);
            count++;
        } while (ways-- != 0u);
    } while (sets-- != 0u);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    return count;
}

int run_scenario(uint32_t sc, uint32_t arg)
{
    switch (sc) {
    case SC_RETURN:
        return 42;
    case SC_BAD_READ:
        return (int)MMIO32(arg ? arg : 0x90000000u, 0);
    case SC_UDF:
        __asm__ volatile("udf #7");
        return 1;
    case SC_SYSTICK_POLL:
        return (int)systick_poll(arg);
    case SC_DWT:
        return (int)dwt_loop(arg);
    case SC_WFI_TICKS:
        return (int)wfi_ticks(arg);
    case SC_WFI_HANG:
        __asm__ volatile("wfi");
        return 2;
    case SC_UNMODELLED:
        return (int)MMIO32(0x40000000u, 0);          /* TIM2_CR1: no model */
    case SC_VTOR_SVC:
        return (int)vtor_svc();
    case SC_RESET:
        if (++MMIO32(CORE_RESETS_ADDR, 0) < arg) {
            MMIO32(SCB_BASE, SCB_AIRCR) = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
            for (;;) {
            }
        }
        return (int)MMIO32(CORE_RESETS_ADDR, 0);
    case SC_CRC:
        return (int)crc32_bitwise((const uint8_t *)0x08000000u, arg);
    case SC_CACHE:
        return (int)dcache_clean_invalidate_all();
    case SC_BKPT_IMM:
        __asm__ volatile("bkpt #0x42");
        return 3;
    case SC_POLL_DEAD:
        while (!(MMIO32(SYST_BASE, SYST_CSR) & SYST_CSR_COUNTFLAG)) {
        }
        return 4;
    default:
        return -1;
    }
}
