/* What vendor start-up and GPIO de-initialisation code touch besides the peripherals they use:
 * CMSIS SystemInit (H7) clocks the FMC, writes BCR1 (bank 1 off, stops speculative reads) and unclocks
 * it; HAL_GPIO_DeInit reads the pin's SYSCFG EXTICR field and clears it if it selects that port. */
#include <stdint.h>

#include "stm32h7/fmc_regs.h"
#include "mmio.h"
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"
#include "stm32h7/syscfg_regs.h"

/* Returns BCR1 as read with the FMC clock on, after SystemInit's write. */
uint32_t t_fmc_bcr1(void)
{
    MMIO32(RCC_BASE, RCC_AHB3ENR) |= RCC_AHB3ENR_FMCEN;
    (void)MMIO32(RCC_BASE, RCC_AHB3ENR);
    MMIO32(FMC_R_BASE, FMC_BCR1) = 0x000030D2u;
    uint32_t v = MMIO32(FMC_R_BASE, FMC_BCR1);
    MMIO32(RCC_BASE, RCC_AHB3ENR) &= ~RCC_AHB3ENR_FMCEN;
    return v;
}

/* Route EXTI13 to port C (the user button, PC13), then de-initialise PC13 as HAL_GPIO_DeInit does.
 * Returns EXTICR4 after routing | EXTICR4 after de-init << 16. */
uint32_t t_exticr(void)
{
    MMIO32(RCC_BASE, RCC_APB4ENR) |= RCC_APB4ENR_SYSCFGEN;
    uint32_t r = SYSCFG_EXTICR(13u), pos = SYSCFG_EXTI_Pos(13u);
    MMIO32(SYSCFG_BASE, r) = (MMIO32(SYSCFG_BASE, r) & ~(0xFu << pos)) | 2u << pos;
    uint32_t routed = MMIO32(SYSCFG_BASE, r);
    if (((MMIO32(SYSCFG_BASE, r) >> pos) & 0xFu) == 2u) {
        MMIO32(SYSCFG_BASE, r) &= ~(0xFu << pos);
    }
    return routed | MMIO32(SYSCFG_BASE, r) << 16;
}
