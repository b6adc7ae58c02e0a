/* Scenario selector shared by the core test firmware and tests/test_sim_core*.py.
 * The host writes the scenario number into backup SRAM (not touched by start-up) before reset. */
#ifndef CORE_H
#define CORE_H
#include <stdint.h>

#define CORE_SCENARIO_ADDR 0x38800000u   /* BKPSRAM word 0: scenario number */
#define CORE_ARG_ADDR      0x38800004u   /* BKPSRAM word 1: scenario argument */
#define CORE_RESULT_ADDR   0x38800008u   /* BKPSRAM words 2..: results for the host */
#define CORE_RESETS_ADDR   0x38800020u   /* BKPSRAM: resets counted by the reset scenario */

enum core_scenario {
    SC_RETURN = 0,      /* main returns 42: BKPT #0 stop with r0 = 42 */
    SC_BAD_READ,        /* load from ARG (default: the OCTOSPI1 window, disabled): BusFault PRECISERR */
    SC_UDF,             /* undefined instruction: UsageFault UNDEFINSTR, escalated */
    SC_SYSTICK_POLL,    /* poll COUNTFLAG ARG times with RVR = 63999 (1 ms at 64 MHz) */
    SC_DWT,             /* CYCCNT across a loop of ARG iterations */
    SC_WFI_TICKS,       /* SysTick interrupt every 1 ms, WFI until ARG ticks were counted */
    SC_WFI_HANG,        /* WFI with nothing enabled: must be reported, not hang the host */
    SC_UNMODELLED,      /* read a peripheral register no model declares (TIM2 CR1) */
    SC_VTOR_SVC,        /* vector table copied to RAM, VTOR moved, SVC handled from the RAM table */
    SC_RESET,           /* AIRCR.SYSRESETREQ until ARG resets were counted */
    SC_CRC,             /* bitwise CRC-32 over ARG bytes of flash (benchmark) */
    SC_CACHE,           /* D-cache clean/invalidate by set/way from CCSIDR (loop must end) */
    SC_BKPT_IMM,        /* BKPT #0x42 in the middle of main */
    SC_POLL_DEAD,       /* poll SysTick COUNTFLAG with the counter off: nothing can ever change */
};

int run_scenario(uint32_t sc, uint32_t arg);
#endif
