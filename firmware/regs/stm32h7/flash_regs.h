/* Embedded FLASH controller, single bank (RM0468, FLASH chapter; the SVD's bank-2 registers do not exist). */
#ifndef H7_FLASH_REGS_H
#define H7_FLASH_REGS_H

#define FLASH_ACR        0x00u
#define FLASH_KEYR       0x04u
#define FLASH_OPTKEYR    0x08u
#define FLASH_CR         0x0Cu
#define FLASH_SR         0x10u
#define FLASH_CCR        0x14u
#define FLASH_OPTCR      0x18u
#define FLASH_OPTSR_CUR  0x1Cu
#define FLASH_OPTSR_PRG  0x20u
#define FLASH_OPTCCR     0x24u
#define FLASH_PRAR_CUR   0x28u
#define FLASH_PRAR_PRG   0x2Cu
#define FLASH_SCAR_CUR   0x30u
#define FLASH_SCAR_PRG   0x34u
#define FLASH_WPSN_CUR   0x38u
#define FLASH_WPSN_PRG   0x3Cu
#define FLASH_BOOT_CUR   0x40u
#define FLASH_BOOT_PRG   0x44u
#define FLASH_CRCCR      0x50u
#define FLASH_CRCSADD    0x54u
#define FLASH_CRCEADD    0x58u
#define FLASH_CRCDATA    0x5Cu
#define FLASH_ECC_FA     0x60u
#define FLASH_OPTSR2_CUR 0x70u
#define FLASH_OPTSR2_PRG 0x74u

#define FLASH_KEY1       0x45670123u
#define FLASH_KEY2       0xCDEF89ABu
#define FLASH_OPTKEY1    0x08192A3Bu
#define FLASH_OPTKEY2    0x4C5D6E7Fu

#define FLASH_WORD_SIZE     32u          /* 256-bit flash word: the program unit */
#define FLASH_SECTOR_SIZE   0x20000u     /* 128 KB */
#define FLASH_SECTOR_COUNT  8u

#define FLASH_ACR_LATENCY_Pos    0u
#define FLASH_ACR_LATENCY_Msk    (0xFu << FLASH_ACR_LATENCY_Pos)
#define FLASH_ACR_WRHIGHFREQ_Pos 4u
#define FLASH_ACR_WRHIGHFREQ_Msk (3u << FLASH_ACR_WRHIGHFREQ_Pos)

#define FLASH_CR_LOCK        (1u << 0)
#define FLASH_CR_PG          (1u << 1)
#define FLASH_CR_SER         (1u << 2)
#define FLASH_CR_BER         (1u << 3)
#define FLASH_CR_PSIZE_Pos   4u
#define FLASH_CR_PSIZE_Msk   (3u << FLASH_CR_PSIZE_Pos)   /* 0 x8, 1 x16, 2 x32, 3 x64 */
#define FLASH_CR_FW          (1u << 6)
#define FLASH_CR_START       (1u << 7)
#define FLASH_CR_SNB_Pos     8u
#define FLASH_CR_SNB_Msk     (7u << FLASH_CR_SNB_Pos)
#define FLASH_CR_CRC_EN      (1u << 15)
#define FLASH_CR_EOPIE       (1u << 16)
#define FLASH_CR_WRPERRIE    (1u << 17)
#define FLASH_CR_PGSERRIE    (1u << 18)
#define FLASH_CR_STRBERRIE   (1u << 19)
#define FLASH_CR_INCERRIE    (1u << 21)
#define FLASH_CR_OPERRIE     (1u << 22)
#define FLASH_CR_RDPERRIE    (1u << 23)
#define FLASH_CR_RDSERRIE    (1u << 24)
#define FLASH_CR_SNECCERRIE  (1u << 25)
#define FLASH_CR_DBECCERRIE  (1u << 26)
#define FLASH_CR_CRCENDIE    (1u << 27)
#define FLASH_CR_CRCRDERRIE  (1u << 28)

#define FLASH_SR_BSY         (1u << 0)
#define FLASH_SR_WBNE        (1u << 1)
#define FLASH_SR_QW          (1u << 2)
#define FLASH_SR_CRC_BUSY    (1u << 3)
#define FLASH_SR_EOP         (1u << 16)
#define FLASH_SR_WRPERR      (1u << 17)
#define FLASH_SR_PGSERR      (1u << 18)
#define FLASH_SR_STRBERR     (1u << 19)
#define FLASH_SR_INCERR      (1u << 21)
#define FLASH_SR_OPERR       (1u << 22)
#define FLASH_SR_RDPERR      (1u << 23)
#define FLASH_SR_RDSERR      (1u << 24)
#define FLASH_SR_SNECCERR    (1u << 25)
#define FLASH_SR_DBECCERR    (1u << 26)
#define FLASH_SR_CRCEND      (1u << 27)
#define FLASH_SR_CRCRDERR    (1u << 28)
/* what must be zero after QW clears (ST HAL's error mask; RM0468, FLASH_SR) */
#define FLASH_SR_ERRORS      (FLASH_SR_WRPERR | FLASH_SR_PGSERR | FLASH_SR_STRBERR | FLASH_SR_INCERR | \
                              FLASH_SR_OPERR | FLASH_SR_RDPERR | FLASH_SR_RDSERR | FLASH_SR_SNECCERR | \
                              FLASH_SR_DBECCERR | FLASH_SR_CRCRDERR)

/* CCR: CLR_x at the same bit as SR.x, write 1 to clear */
#define FLASH_CCR_CLR_EOP       (1u << 16)
#define FLASH_CCR_CLR_WRPERR    (1u << 17)
#define FLASH_CCR_CLR_PGSERR    (1u << 18)
#define FLASH_CCR_CLR_STRBERR   (1u << 19)
#define FLASH_CCR_CLR_INCERR    (1u << 21)
#define FLASH_CCR_CLR_OPERR     (1u << 22)
#define FLASH_CCR_CLR_RDPERR    (1u << 23)
#define FLASH_CCR_CLR_RDSERR    (1u << 24)
#define FLASH_CCR_CLR_SNECCERR  (1u << 25)
#define FLASH_CCR_CLR_DBECCERR  (1u << 26)
#define FLASH_CCR_CLR_CRCEND    (1u << 27)
#define FLASH_CCR_CLR_CRCRDERR  (1u << 28)

#define FLASH_OPTCR_OPTLOCK         (1u << 0)
#define FLASH_OPTCR_OPTSTART        (1u << 1)
#define FLASH_OPTCR_OPTCHANGEERRIE  (1u << 30)

#define FLASH_OPTSR_OPT_BUSY        (1u << 0)
#define FLASH_OPTSR_BOR_LEV_Pos     2u
#define FLASH_OPTSR_BOR_LEV_Msk     (3u << FLASH_OPTSR_BOR_LEV_Pos)
#define FLASH_OPTSR_IWDG1_SW        (1u << 4)
#define FLASH_OPTSR_NRST_STOP_D1    (1u << 6)
#define FLASH_OPTSR_NRST_STBY_D1    (1u << 7)
#define FLASH_OPTSR_RDP_Pos         8u
#define FLASH_OPTSR_RDP_Msk         (0xFFu << FLASH_OPTSR_RDP_Pos)
#define FLASH_OPTSR_FZ_IWDG_STOP    (1u << 17)
#define FLASH_OPTSR_FZ_IWDG_SDBY    (1u << 18)
#define FLASH_OPTSR_ST_RAM_SIZE_Pos 19u
#define FLASH_OPTSR_ST_RAM_SIZE_Msk (3u << FLASH_OPTSR_ST_RAM_SIZE_Pos)
#define FLASH_OPTSR_SECURITY        (1u << 21)
#define FLASH_OPTSR_IO_HSLV         (1u << 29)
#define FLASH_OPTSR_OPTCHANGEERR    (1u << 30)
#define FLASH_RDP_LEVEL0            0xAAu

#define FLASH_OPTCCR_CLR_OPTCHANGEERR (1u << 30)

#define FLASH_WPSN_WRPSN_Pos    0u
#define FLASH_WPSN_WRPSN_Msk    (0xFFu << FLASH_WPSN_WRPSN_Pos)   /* bit n = sector n, 0 = protected */

#define FLASH_BOOT_BOOT_ADD0_Pos 0u
#define FLASH_BOOT_BOOT_ADD0_Msk (0xFFFFu << FLASH_BOOT_BOOT_ADD0_Pos)
#define FLASH_BOOT_BOOT_ADD1_Pos 16u
#define FLASH_BOOT_BOOT_ADD1_Msk (0xFFFFu << FLASH_BOOT_BOOT_ADD1_Pos)

#define FLASH_ECC_FA_FAIL_ECC_ADDR_Pos 0u
#define FLASH_ECC_FA_FAIL_ECC_ADDR_Msk (0x7FFFu << FLASH_ECC_FA_FAIL_ECC_ADDR_Pos)

#define FLASH_OPTSR2_TCM_AXI_SHARED_Pos 0u
#define FLASH_OPTSR2_TCM_AXI_SHARED_Msk (3u << FLASH_OPTSR2_TCM_AXI_SHARED_Pos)
#define FLASH_OPTSR2_CPUFREQ_BOOST      (1u << 2)

#endif
