/* Cortex-M7 start-up for STM32H735 images (bootloader, application, loaders, test firmwares).
 *
 * Reset_Handler: FPU on (CPACR), copy .text when it runs from RAM (common.ld), copy .data, zero .bss, call
 * main(). If main returns, its value goes to r0 and the core executes BKPT #0: the simulator stops there
 * ("firmware done"); on a board without a debugger that is a HardFault (ARMv7-M ARM, HFSR.DEBUGEVT), so
 * real firmware never returns.
 * Every exception handler is a weak alias of Default_Handler, which spins: a firmware overrides the ones
 * it uses by defining a function of the same name.
 * Symbols come from firmware/sections.ld: _sidata (load address of .data), _sdata/_edata, _sbss/_ebss, _estack.
 */
#include <stdint.h>

#include "mmio.h"
#include "scb_regs.h"

extern uint32_t _sitext[], _stext[], _etext[], _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
int main(void);

void Reset_Handler(void);
void Default_Handler(void);

#define WEAK_ALIAS __attribute__((weak, alias("Default_Handler")))
void NMI_Handler(void) WEAK_ALIAS;
void HardFault_Handler(void) WEAK_ALIAS;
void MemManage_Handler(void) WEAK_ALIAS;
void BusFault_Handler(void) WEAK_ALIAS;
void UsageFault_Handler(void) WEAK_ALIAS;
void SVC_Handler(void) WEAK_ALIAS;
void DebugMon_Handler(void) WEAK_ALIAS;
void PendSV_Handler(void) WEAK_ALIAS;
void SysTick_Handler(void) WEAK_ALIAS;

/* 16 core vectors + 163 STM32H735 interrupt lines (all to Default_Handler: our firmware polls).
 * 179 words: VTOR needs the table aligned to 1 KB, which firmware/sections.ld provides. */
#define IRQ_COUNT 163u
typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used))
const vector_t vector_table[16 + IRQ_COUNT] = {
    [0] = (vector_t)(uintptr_t)_estack,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [11] = SVC_Handler,
    [12] = DebugMon_Handler,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 ... 16 + IRQ_COUNT - 1] = Default_Handler,
};

void Default_Handler(void)
{
    for (;;) {
    }
}

/* Word loops through volatile pointers: GCC must not turn them into memcpy/memset calls, which
 * could themselves live in .data-dependent code paths. */
__attribute__((section(".boot"))) static void copy_words(volatile uint32_t *dst, const volatile uint32_t *src, const uint32_t *end)
{
    while (dst < (volatile uint32_t *)end) {
        *dst++ = *src++;
    }
}

__attribute__((section(".boot"))) static void zero_words(volatile uint32_t *dst, const uint32_t *end)
{
    while (dst < (volatile uint32_t *)end) {
        *dst++ = 0;
    }
}

__attribute__((noreturn, section(".boot"))) void Reset_Handler(void)
{
    /* Full access to CP10/CP11 before any FP instruction: the image is built hard-float. */
    MMIO32(SCB_BASE, SCB_CPACR) |= SCB_CPACR_CP10_Msk | SCB_CPACR_CP11_Msk;
    __asm__ volatile("dsb\n\tisb" ::: "memory");

    if (&_sitext[0] != &_stext[0]) {  /* code that runs from RAM (common.ld) */
        copy_words(_stext, _sitext, _etext);
        __asm__ volatile("dsb\n\tisb" ::: "memory");
    }
    if (&_sidata[0] != &_sdata[0]) {  /* RAM-linked images load .data in place */
        copy_words(_sdata, _sidata, _edata);
    }
    zero_words(_sbss, _ebss);

    register int rc __asm__("r0") = main();
    __asm__ volatile("bkpt #0" : : "r"(rc));
    for (;;) {
    }
}
