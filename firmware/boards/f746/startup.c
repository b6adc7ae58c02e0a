/* Cortex-M7 start-up for STM32F746 images (the bootloader, the demo application and the F746 test firmware).
 *
 * The vector table and Reset_Handler live in `.boot`, which the linker scripts keep in internal flash.
 * Reset_Handler copies `.text` from its load address when the image runs its code from RAM (the
 * bootloader: code in flash stalls for a whole erase or program on this single-bank flash, RM0385
 * §3.3.x, and the bootloader must keep receiving then), copies .data, zeroes .bss, turns the FPU on and
 * calls main(). 16 core vectors + 98 STM32F746 interrupt lines (RM0385 §10.1.2 table 40), all to
 * Default_Handler: our firmware polls. A main() that returns ends in BKPT #0 (the simulator's "done").
 * Symbols: _sitext/_stext/_etext, _sidata/_sdata/_edata, _sbss/_ebss, _estack from the linker script.
 */
#include <stdint.h>

#include "mmio.h"
#include "scb_regs.h"

extern uint32_t _sitext[], _stext[], _etext[], _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);

__attribute__((section(".boot"))) void Reset_Handler(void);
__attribute__((section(".boot"))) void Default_Handler(void);

#define IRQ_COUNT 98u
typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used))
const vector_t vector_table[16 + IRQ_COUNT] = {
    [0] = (vector_t)(uintptr_t)_estack,
    [1] = Reset_Handler,
    [2 ... 16 + IRQ_COUNT - 1] = Default_Handler,
};

void Default_Handler(void)
{
    for (;;) {
    }
}

/* Volatile word loops: the compiler must not turn them into memcpy/memset calls, which would live in the
 * .text that is not copied yet. */
static inline __attribute__((always_inline)) void copy(volatile uint32_t *d, const volatile uint32_t *s,
                                                       const uint32_t *end)
{
    while (d < (volatile uint32_t *)end)
        *d++ = *s++;
}

__attribute__((noreturn)) void Reset_Handler(void)
{
    MMIO32(SCB_BASE, SCB_CPACR) |= SCB_CPACR_CP10_Msk | SCB_CPACR_CP11_Msk;
    if ((uintptr_t)_stext != (uintptr_t)_sitext)
        copy(_stext, _sitext, _etext);
    copy(_sdata, _sidata, _edata);
    for (volatile uint32_t *d = _sbss; d < (volatile uint32_t *)_ebss;)
        *d++ = 0;
    __asm volatile("dsb\n\tisb" ::: "memory");
    register int rc __asm__("r0") = main();
    __asm volatile("bkpt #0" : : "r"(rc));
    for (;;) {
    }
}
