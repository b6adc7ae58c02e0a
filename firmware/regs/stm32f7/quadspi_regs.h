/* QUADSPI (RM0385 §13.5 QUADSPI registers). CR.FTHRES is 5 bits in the map but bit 4 cannot be set on
 * F7 silicon (ST community, F723/F746/F767): use thresholds <= 16 bytes. */
#ifndef F7_QUADSPI_REGS_H
#define F7_QUADSPI_REGS_H

#define QUADSPI_CR     0x00u
#define QUADSPI_DCR    0x04u
#define QUADSPI_SR     0x08u
#define QUADSPI_FCR    0x0Cu
#define QUADSPI_DLR    0x10u
#define QUADSPI_CCR    0x14u
#define QUADSPI_AR     0x18u
#define QUADSPI_ABR    0x1Cu
#define QUADSPI_DR     0x20u
#define QUADSPI_PSMKR  0x24u
#define QUADSPI_PSMAR  0x28u
#define QUADSPI_PIR    0x2Cu
#define QUADSPI_LPTR   0x30u

#define QUADSPI_CR_EN             (1u << 0)
#define QUADSPI_CR_ABORT          (1u << 1)
#define QUADSPI_CR_DMAEN          (1u << 2)
#define QUADSPI_CR_TCEN           (1u << 3)
#define QUADSPI_CR_SSHIFT         (1u << 4)
#define QUADSPI_CR_DFM            (1u << 6)
#define QUADSPI_CR_FSEL           (1u << 7)
#define QUADSPI_CR_FTHRES_Pos     8u
#define QUADSPI_CR_FTHRES_Msk     (0x1Fu << 8)
#define QUADSPI_CR_TEIE           (1u << 16)
#define QUADSPI_CR_TCIE           (1u << 17)
#define QUADSPI_CR_FTIE           (1u << 18)
#define QUADSPI_CR_SMIE           (1u << 19)
#define QUADSPI_CR_TOIE           (1u << 20)
#define QUADSPI_CR_APMS           (1u << 22)
#define QUADSPI_CR_PMM            (1u << 23)
#define QUADSPI_CR_PRESCALER_Pos  24u
#define QUADSPI_CR_PRESCALER_Msk  (0xFFu << 24)

#define QUADSPI_DCR_CKMODE        (1u << 0)
#define QUADSPI_DCR_CSHT_Pos      8u
#define QUADSPI_DCR_CSHT_Msk      (7u << 8)
#define QUADSPI_DCR_FSIZE_Pos     16u
#define QUADSPI_DCR_FSIZE_Msk     (0x1Fu << 16)

#define QUADSPI_SR_TEF            (1u << 0)
#define QUADSPI_SR_TCF            (1u << 1)
#define QUADSPI_SR_FTF            (1u << 2)
#define QUADSPI_SR_SMF            (1u << 3)
#define QUADSPI_SR_TOF            (1u << 4)
#define QUADSPI_SR_BUSY           (1u << 5)
#define QUADSPI_SR_FLEVEL_Pos     8u
#define QUADSPI_SR_FLEVEL_Msk     (0x3Fu << 8)

#define QUADSPI_FCR_CTEF          (1u << 0)
#define QUADSPI_FCR_CTCF          (1u << 1)
#define QUADSPI_FCR_CSMF          (1u << 3)
#define QUADSPI_FCR_CTOF          (1u << 4)

#define QUADSPI_CCR_INSTRUCTION_Pos 0u
#define QUADSPI_CCR_INSTRUCTION_Msk (0xFFu << 0)
#define QUADSPI_CCR_IMODE_Pos     8u
#define QUADSPI_CCR_IMODE_Msk     (3u << 8)
#define QUADSPI_CCR_ADMODE_Pos    10u
#define QUADSPI_CCR_ADMODE_Msk    (3u << 10)
#define QUADSPI_CCR_ADSIZE_Pos    12u
#define QUADSPI_CCR_ADSIZE_Msk    (3u << 12)
#define QUADSPI_CCR_ABMODE_Pos    14u
#define QUADSPI_CCR_ABMODE_Msk    (3u << 14)
#define QUADSPI_CCR_ABSIZE_Pos    16u
#define QUADSPI_CCR_ABSIZE_Msk    (3u << 16)
#define QUADSPI_CCR_DCYC_Pos      18u
#define QUADSPI_CCR_DCYC_Msk      (0x1Fu << 18)
#define QUADSPI_CCR_DMODE_Pos     24u
#define QUADSPI_CCR_DMODE_Msk     (3u << 24)
#define QUADSPI_CCR_FMODE_Pos     26u
#define QUADSPI_CCR_FMODE_Msk     (3u << 26)
#define QUADSPI_CCR_SIOO          (1u << 28)
#define QUADSPI_CCR_DHHC          (1u << 30)
#define QUADSPI_CCR_DDRM          (1u << 31)

#define QUADSPI_FMODE_IND_WRITE   0u
#define QUADSPI_FMODE_IND_READ    1u
#define QUADSPI_FMODE_AUTOPOLL    2u
#define QUADSPI_FMODE_MAPPED      3u

#define QUADSPI_LPTR_TIMEOUT_Pos     0u
#define QUADSPI_LPTR_TIMEOUT_Msk     (0xFFFFu << 0)
#define QUADSPI_PIR_INTERVAL_Pos     0u
#define QUADSPI_PIR_INTERVAL_Msk     (0xFFFFu << 0)

#endif
