/* F7 embedded FLASH controller (RM0385 §3.7 FLASH registers). Not the H7's: KEYR/OPTKEYR unlock,
 * CR with PSIZE/SER/MER/SNB/STRT/LOCK, no write buffer. */
#ifndef F7_FLASH_REGS_H
#define F7_FLASH_REGS_H

#define FLASH_ACR        0x00u
#define FLASH_KEYR       0x04u
#define FLASH_OPTKEYR    0x08u
#define FLASH_SR         0x0Cu
#define FLASH_CR         0x10u
#define FLASH_OPTCR      0x14u
#define FLASH_OPTCR1     0x18u

#define FLASH_KEY1       0x45670123u
#define FLASH_KEY2       0xCDEF89ABu
#define FLASH_OPTKEY1    0x08192A3Bu
#define FLASH_OPTKEY2    0x4C5D6E7Fu

#define FLASH_ACR_LATENCY_Pos  0u
#define FLASH_ACR_LATENCY_Msk  (0xFu << 0)
#define FLASH_ACR_PRFTEN       (1u << 8)
#define FLASH_ACR_ARTEN        (1u << 9)
#define FLASH_ACR_ARTRST       (1u << 11)

#define FLASH_SR_EOP      (1u << 0)
#define FLASH_SR_OPERR    (1u << 1)
#define FLASH_SR_WRPERR   (1u << 4)
#define FLASH_SR_PGAERR   (1u << 5)
#define FLASH_SR_PGPERR   (1u << 6)
#define FLASH_SR_ERSERR   (1u << 7)
#define FLASH_SR_BSY      (1u << 16)

#define FLASH_CR_PG         (1u << 0)
#define FLASH_CR_SER        (1u << 1)
#define FLASH_CR_MER        (1u << 2)
#define FLASH_CR_SNB_Pos    3u
#define FLASH_CR_SNB_Msk    (0xFu << 3)
#define FLASH_CR_PSIZE_Pos  8u
#define FLASH_CR_PSIZE_Msk  (3u << 8)
#define FLASH_CR_STRT       (1u << 16)
#define FLASH_CR_EOPIE      (1u << 24)
#define FLASH_CR_ERRIE      (1u << 25)
#define FLASH_CR_LOCK       (1u << 31)

#define FLASH_PSIZE_X8   0u
#define FLASH_PSIZE_X16  1u
#define FLASH_PSIZE_X32  2u
#define FLASH_PSIZE_X64  3u

#define FLASH_OPTCR_OPTLOCK     (1u << 0)
#define FLASH_OPTCR_OPTSTRT     (1u << 1)
#define FLASH_OPTCR_BOR_LEV_Pos 2u
#define FLASH_OPTCR_BOR_LEV_Msk (3u << 2)
#define FLASH_OPTCR_WWDG_SW     (1u << 4)
#define FLASH_OPTCR_IWDG_SW     (1u << 5)
#define FLASH_OPTCR_nRST_STOP   (1u << 6)
#define FLASH_OPTCR_nRST_STDBY  (1u << 7)
#define FLASH_OPTCR_RDP_Pos     8u
#define FLASH_OPTCR_RDP_Msk     (0xFFu << 8)
#define FLASH_OPTCR_nWRP_Pos    16u
#define FLASH_OPTCR_nWRP_Msk    (0xFFu << 16)
#define FLASH_OPTCR_IWDG_STDBY  (1u << 30)
#define FLASH_OPTCR_IWDG_STOP   (1u << 31)

#define FLASH_OPTCR1_BOOT_ADD0_Pos 0u
#define FLASH_OPTCR1_BOOT_ADD0_Msk (0xFFFFu << 0)
#define FLASH_OPTCR1_BOOT_ADD1_Pos 16u
#define FLASH_OPTCR1_BOOT_ADD1_Msk (0xFFFFu << 16)

#endif
