/* DBGMCU (base DBGMCU_BASE): device identification and debug freeze bits. */
#ifndef H7_DBGMCU_REGS_H
#define H7_DBGMCU_REGS_H

#define DBGMCU_IDCODE     0x00u
#define DBGMCU_CR         0x04u
#define DBGMCU_APB3FZ1    0x34u
#define DBGMCU_APB1LFZ1   0x3Cu
#define DBGMCU_APB2FZ1    0x4Cu
#define DBGMCU_APB4FZ1    0x54u

#define DBGMCU_IDCODE_DEV_ID_Pos 0u
#define DBGMCU_IDCODE_DEV_ID_Msk (0xFFFu << DBGMCU_IDCODE_DEV_ID_Pos)   /* 0x483 on H72x/H73x */
#define DBGMCU_IDCODE_REV_ID_Pos 16u
#define DBGMCU_IDCODE_REV_ID_Msk (0xFFFFu << DBGMCU_IDCODE_REV_ID_Pos)
#define DBGMCU_DEV_ID_H72X_H73X  0x483u

#define DBGMCU_CR_DBGSLEEP_D1  (1u << 0)
#define DBGMCU_CR_DBGSTOP_D1   (1u << 1)
#define DBGMCU_CR_DBGSTBY_D1   (1u << 2)

#endif
