/* The start decision (boot.h): chip-neutral, ARMv7-M core registers only. */
#include "boot.h"
#include "bl.h"
#include "mmio.h"
#include "port.h"
#include "scb_regs.h"

int boot_vectors_sane(uint32_t vectors, uint32_t end)
{
    const volatile uint32_t *v = (const volatile uint32_t *)vectors;
    uint32_t msp = v[0], pc = v[1];
    return port_app_stack_ok(msp) && (pc & 1u) && (pc & ~1u) >= vectors + 8u && (pc & ~1u) < end;
}

void boot_start(uint32_t vectors)
{
    port_app_handover();
    MMIO32(SYST_BASE, SYST_CSR) = 0;
    const volatile uint32_t *v = (const volatile uint32_t *)vectors;
    uint32_t msp = v[0], pc = v[1];
    MMIO32(SCB_BASE, SCB_VTOR) = vectors;
    __asm volatile("dsb\n\tisb\n\tmsr msp, %0\n\tbx %1" : : "r"(msp), "r"(pc) : "memory");
    __builtin_unreachable();
}

void boot_serve(int stay, uint32_t listen_ms, uint32_t vectors)
{
    bl_init();
    uint32_t t0 = port_millis();
    for (;;) {
        bl_poll();
        if (!stay && !bl_host_seen() && port_millis() - t0 > listen_ms)
            boot_start(vectors);
    }
}
