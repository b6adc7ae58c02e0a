/* Supply and voltage scaling as application and vendor start-up code do it (RM0468 PWR chapter, PWR_CR3 and PWR_D3CR). */
#include <stdint.h>

#include "mmio.h"
#include "stm32h7/pwr_regs.h"
#include "scb_regs.h"
#include "stm32h7/stm32h735.h"

#define PWR(off) MMIO32(PWR_BASE, off)

/* Write the supply configuration `cr3` (low 6 bits) and wait ACTVOSRDY; returns CR3 as read back. */
uint32_t t_supply(uint32_t cr3)
{
    PWR(PWR_CR3) = (PWR(PWR_CR3) & ~0x3Fu) | (cr3 & 0x3Fu);
    while (!(PWR(PWR_CSR1) & PWR_CSR1_ACTVOSRDY)) {
    }
    return PWR(PWR_CR3);
}

/* Select VOS Scale 0 and wait for VOSRDY with no bound (vendor SystemClock_Config); returns CSR1. */
uint32_t t_vos0(void)
{
    PWR(PWR_D3CR) = (PWR(PWR_D3CR) & ~PWR_D3CR_VOS_Msk) | PWR_VOS_SCALE0 << PWR_D3CR_VOS_Pos;
    while (!(PWR(PWR_D3CR) & PWR_D3CR_VOSRDY)) {
    }
    return PWR(PWR_CSR1);
}

/* VOS Scale 0 and a wait for VOSRDY bounded by DWT cycles (a HAL-style timeout on a tick counter).
 * Returns 1 when the wait timed out, 0 when VOSRDY rose. */
uint32_t t_vos0_timed(uint32_t cycles)
{
    MMIO32(SCB_BASE, SCB_DEMCR) |= SCB_DEMCR_TRCENA;
    MMIO32(DWT_BASE, DWT_CTRL) |= DWT_CTRL_CYCCNTENA;
    PWR(PWR_D3CR) = (PWR(PWR_D3CR) & ~PWR_D3CR_VOS_Msk) | PWR_VOS_SCALE0 << PWR_D3CR_VOS_Pos;
    uint32_t t0 = MMIO32(DWT_BASE, DWT_CYCCNT);
    while (!(PWR(PWR_D3CR) & PWR_D3CR_VOSRDY)) {
        if (MMIO32(DWT_BASE, DWT_CYCCNT) - t0 > cycles) {
            return 1;
        }
    }
    return 0;
}
