/* Cortex-M7 start-up for the F746 test firmware: 16 core + 98 STM32F746 vectors (RM0385 §10.1.2), FPU on,
 * .data/.bss, main(); main's return value ends the run with BKPT (the simulator stops there). */
#include <stdint.h>

#include "mmio.h"
#include "scb_regs.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);
void Reset_Handler(void);
void Default_Handler(void);

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

__attribute__((noreturn)) void Reset_Handler(void)
{
    MMIO32(SCB_BASE, SCB_CPACR) |= SCB_CPACR_CP10_Msk | SCB_CPACR_CP11_Msk;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    volatile uint32_t *d = _sdata;
    const volatile uint32_t *s = _sidata;
    while (d < (volatile uint32_t *)_edata) {
        *d++ = *s++;
    }
    for (d = _sbss; d < (volatile uint32_t *)_ebss;) {
        *d++ = 0;
    }
    register int rc __asm__("r0") = main();
    __asm__ volatile("bkpt #0" : : "r"(rc));
    for (;;) {
    }
}
