/* F7 MCU debug component (RM0385 §40.16.4 DBGMCU registers). DEV_ID 0x449 for STM32F74x/F75x. */
#ifndef F7_DBGMCU_REGS_H
#define F7_DBGMCU_REGS_H

#define DBGMCU_IDCODE   0x00u
#define DBGMCU_CR       0x04u
#define DBGMCU_APB1_FZ  0x08u
#define DBGMCU_APB2_FZ  0x0Cu

#define DBGMCU_IDCODE_DEV_ID_Pos 0u
#define DBGMCU_IDCODE_DEV_ID_Msk (0xFFFu << 0)
#define DBGMCU_IDCODE_REV_ID_Pos 16u
#define DBGMCU_IDCODE_REV_ID_Msk (0xFFFFu << 16)

#endif
