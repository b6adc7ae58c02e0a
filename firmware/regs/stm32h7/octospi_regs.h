/* OCTOSPI controller registers (OCTOSPI1 and OCTOSPI2 share this layout), RM0468, OCTOSPI chapter.
 * Offsets are from the instance base (OCTOSPI1_R_BASE / OCTOSPI2_R_BASE in stm32h735.h).
 * Positions follow ST's device header, NOT the STM32H73x SVD, which is wrong on SR bit names,
 * DCR1.MTYP width, DCR1.DLYBYP/CKCSHT, DCR4.REFRESH width and the WCCR IMODE/IDTR/ISIZE layout (docs/hardware-notes.md).
 */
#ifndef H7_OCTOSPI_REGS_H
#define H7_OCTOSPI_REGS_H

/* ---- Register offsets ---- */
#define OCTOSPI_CR      0x000u
#define OCTOSPI_DCR1    0x008u
#define OCTOSPI_DCR2    0x00Cu
#define OCTOSPI_DCR3    0x010u
#define OCTOSPI_DCR4    0x014u
#define OCTOSPI_SR      0x020u   /* read-only */
#define OCTOSPI_FCR     0x024u   /* write-only, write 1 to clear */
#define OCTOSPI_DLR     0x040u
#define OCTOSPI_AR      0x048u
#define OCTOSPI_DR      0x050u
#define OCTOSPI_PSMKR   0x080u
#define OCTOSPI_PSMAR   0x088u
#define OCTOSPI_PIR     0x090u
#define OCTOSPI_CCR     0x100u
#define OCTOSPI_TCR     0x108u
#define OCTOSPI_IR      0x110u
#define OCTOSPI_ABR     0x120u
#define OCTOSPI_LPTR    0x130u
#define OCTOSPI_WPCCR   0x140u   /* WRAP (not write) CCR: wrapped memory-mapped reads */
#define OCTOSPI_WPTCR   0x148u
#define OCTOSPI_WPIR    0x150u
#define OCTOSPI_WPABR   0x160u
#define OCTOSPI_WCCR    0x180u   /* WRITE CCR: memory-mapped writes */
#define OCTOSPI_WTCR    0x188u
#define OCTOSPI_WIR     0x190u
#define OCTOSPI_WABR    0x1A0u
#define OCTOSPI_HLCR    0x200u
#define OCTOSPI_HWCFGR  0x3F0u
#define OCTOSPI_VER     0x3F4u
#define OCTOSPI_ID      0x3F8u
#define OCTOSPI_MID     0x3FCu

/* ---- CR ---- */
#define OCTOSPI_CR_EN            (1u << 0)
#define OCTOSPI_CR_ABORT         (1u << 1)   /* self-clearing; the only way out of memory-mapped mode */
#define OCTOSPI_CR_DMAEN         (1u << 2)
#define OCTOSPI_CR_TCEN          (1u << 3)
#define OCTOSPI_CR_DQM           (1u << 6)   /* dual-quad mode ("DMM" in some documents) */
#define OCTOSPI_CR_FSEL          (1u << 7)
#define OCTOSPI_CR_FTHRES_Pos    8u
#define OCTOSPI_CR_FTHRES_Msk    (0x1Fu << OCTOSPI_CR_FTHRES_Pos)
#define OCTOSPI_CR_TEIE          (1u << 16)
#define OCTOSPI_CR_TCIE          (1u << 17)
#define OCTOSPI_CR_FTIE          (1u << 18)
#define OCTOSPI_CR_SMIE          (1u << 19)
#define OCTOSPI_CR_TOIE          (1u << 20)
#define OCTOSPI_CR_APMS          (1u << 22)
#define OCTOSPI_CR_PMM           (1u << 23)
#define OCTOSPI_CR_FMODE_Pos     28u
#define OCTOSPI_CR_FMODE_Msk     (0x3u << OCTOSPI_CR_FMODE_Pos)
#define OCTOSPI_FMODE_INDIRECT_WRITE 0u
#define OCTOSPI_FMODE_INDIRECT_READ  1u
#define OCTOSPI_FMODE_AUTO_POLLING   2u
#define OCTOSPI_FMODE_MEMORY_MAPPED  3u

/* ---- DCR1 ---- */
#define OCTOSPI_DCR1_CKMODE      (1u << 0)
#define OCTOSPI_DCR1_FRCK        (1u << 1)
#define OCTOSPI_DCR1_DLYBYP      (1u << 3)
#define OCTOSPI_DCR1_CKCSHT_Pos  4u          /* present in ST's header; semantics unverified */
#define OCTOSPI_DCR1_CKCSHT_Msk  (0x7u << OCTOSPI_DCR1_CKCSHT_Pos)
#define OCTOSPI_DCR1_CSHT_Pos    8u
#define OCTOSPI_DCR1_CSHT_Msk    (0x7u << OCTOSPI_DCR1_CSHT_Pos)
#define OCTOSPI_DCR1_DEVSIZE_Pos 16u         /* device bytes = 2^(DEVSIZE+1) */
#define OCTOSPI_DCR1_DEVSIZE_Msk (0x1Fu << OCTOSPI_DCR1_DEVSIZE_Pos)
#define OCTOSPI_DCR1_MTYP_Pos    24u         /* 3 bits, not 2 as the SVD says */
#define OCTOSPI_DCR1_MTYP_Msk    (0x7u << OCTOSPI_DCR1_MTYP_Pos)
#define OCTOSPI_MTYP_MICRON      0u
#define OCTOSPI_MTYP_MACRONIX    1u          /* D1/D0 byte order in 8-bit DTR (RM0468, OCTOSPI_DCR1.MTYP) */
#define OCTOSPI_MTYP_STANDARD    2u
#define OCTOSPI_MTYP_MACRONIX_RAM 3u
#define OCTOSPI_MTYP_HYPERBUS_MEM 4u
#define OCTOSPI_MTYP_HYPERBUS_REG 5u

/* ---- DCR2 ---- */
#define OCTOSPI_DCR2_PRESCALER_Pos 0u        /* F_CLK = F_kernel / (PRESCALER + 1) */
#define OCTOSPI_DCR2_PRESCALER_Msk (0xFFu << OCTOSPI_DCR2_PRESCALER_Pos)
#define OCTOSPI_DCR2_WRAPSIZE_Pos  16u
#define OCTOSPI_DCR2_WRAPSIZE_Msk  (0x7u << OCTOSPI_DCR2_WRAPSIZE_Pos)

/* ---- DCR3 ---- */
#define OCTOSPI_DCR3_MAXTRAN_Pos 0u
#define OCTOSPI_DCR3_MAXTRAN_Msk (0xFFu << OCTOSPI_DCR3_MAXTRAN_Pos)
#define OCTOSPI_DCR3_CSBOUND_Pos 16u
#define OCTOSPI_DCR3_CSBOUND_Msk (0x1Fu << OCTOSPI_DCR3_CSBOUND_Pos)

/* ---- DCR4 ---- */
#define OCTOSPI_DCR4_REFRESH_Pos 0u          /* 32 bits, not 16 as the SVD says */
#define OCTOSPI_DCR4_REFRESH_Msk 0xFFFFFFFFu

/* ---- SR (read-only) ---- */
#define OCTOSPI_SR_TEF           (1u << 0)
#define OCTOSPI_SR_TCF           (1u << 1)
#define OCTOSPI_SR_FTF           (1u << 2)
#define OCTOSPI_SR_SMF           (1u << 3)
#define OCTOSPI_SR_TOF           (1u << 4)
#define OCTOSPI_SR_BUSY          (1u << 5)
#define OCTOSPI_SR_FLEVEL_Pos    8u
#define OCTOSPI_SR_FLEVEL_Msk    (0x3Fu << OCTOSPI_SR_FLEVEL_Pos)

/* ---- FCR (write 1 to clear the matching SR flag) ---- */
#define OCTOSPI_FCR_CTEF         (1u << 0)
#define OCTOSPI_FCR_CTCF         (1u << 1)
#define OCTOSPI_FCR_CSMF         (1u << 3)
#define OCTOSPI_FCR_CTOF         (1u << 4)

/* ---- DLR / AR / DR / PSMKR / PSMAR / PIR / IR / ABR / LPTR ---- */
#define OCTOSPI_DLR_DL_Pos       0u          /* bytes - 1 */
#define OCTOSPI_DLR_DL_Msk       0xFFFFFFFFu
#define OCTOSPI_AR_ADDRESS_Pos   0u
#define OCTOSPI_AR_ADDRESS_Msk   0xFFFFFFFFu
#define OCTOSPI_DR_DATA_Pos      0u
#define OCTOSPI_DR_DATA_Msk      0xFFFFFFFFu
#define OCTOSPI_PSMKR_MASK_Pos   0u
#define OCTOSPI_PSMKR_MASK_Msk   0xFFFFFFFFu
#define OCTOSPI_PSMAR_MATCH_Pos  0u
#define OCTOSPI_PSMAR_MATCH_Msk  0xFFFFFFFFu
#define OCTOSPI_PIR_INTERVAL_Pos 0u
#define OCTOSPI_PIR_INTERVAL_Msk (0xFFFFu << OCTOSPI_PIR_INTERVAL_Pos)
#define OCTOSPI_IR_INSTRUCTION_Pos 0u
#define OCTOSPI_IR_INSTRUCTION_Msk 0xFFFFFFFFu
#define OCTOSPI_ABR_ALTERNATE_Pos  0u
#define OCTOSPI_ABR_ALTERNATE_Msk  0xFFFFFFFFu
#define OCTOSPI_LPTR_TIMEOUT_Pos 0u
#define OCTOSPI_LPTR_TIMEOUT_Msk (0xFFFFu << OCTOSPI_LPTR_TIMEOUT_Pos)

/* ---- CCR (same layout in WPCCR and WCCR: use the OCTOSPI_CCR_* names for all three) ---- */
#define OCTOSPI_CCR_IMODE_Pos    0u
#define OCTOSPI_CCR_IMODE_Msk    (0x7u << OCTOSPI_CCR_IMODE_Pos)
#define OCTOSPI_CCR_IDTR         (1u << 3)
#define OCTOSPI_CCR_ISIZE_Pos    4u
#define OCTOSPI_CCR_ISIZE_Msk    (0x3u << OCTOSPI_CCR_ISIZE_Pos)
#define OCTOSPI_CCR_ADMODE_Pos   8u
#define OCTOSPI_CCR_ADMODE_Msk   (0x7u << OCTOSPI_CCR_ADMODE_Pos)
#define OCTOSPI_CCR_ADDTR        (1u << 11)
#define OCTOSPI_CCR_ADSIZE_Pos   12u
#define OCTOSPI_CCR_ADSIZE_Msk   (0x3u << OCTOSPI_CCR_ADSIZE_Pos)
#define OCTOSPI_CCR_ABMODE_Pos   16u
#define OCTOSPI_CCR_ABMODE_Msk   (0x7u << OCTOSPI_CCR_ABMODE_Pos)
#define OCTOSPI_CCR_ABDTR        (1u << 19)
#define OCTOSPI_CCR_ABSIZE_Pos   20u
#define OCTOSPI_CCR_ABSIZE_Msk   (0x3u << OCTOSPI_CCR_ABSIZE_Pos)
#define OCTOSPI_CCR_DMODE_Pos    24u
#define OCTOSPI_CCR_DMODE_Msk    (0x7u << OCTOSPI_CCR_DMODE_Pos)
#define OCTOSPI_CCR_DDTR         (1u << 27)
#define OCTOSPI_CCR_DQSE         (1u << 29)
#define OCTOSPI_CCR_SIOO         (1u << 31)
/* xMODE values: number of lines used by a phase */
#define OCTOSPI_LINES_NONE       0u
#define OCTOSPI_LINES_1          1u
#define OCTOSPI_LINES_2          2u
#define OCTOSPI_LINES_4          3u
#define OCTOSPI_LINES_8          4u
/* xSIZE values */
#define OCTOSPI_SIZE_8           0u
#define OCTOSPI_SIZE_16          1u
#define OCTOSPI_SIZE_24          2u
#define OCTOSPI_SIZE_32          3u

/* ---- TCR (same layout in WPTCR; WTCR has DCYC only) ---- */
#define OCTOSPI_TCR_DCYC_Pos     0u          /* dummy cycles, in CLK cycles for SDR and DTR */
#define OCTOSPI_TCR_DCYC_Msk     (0x1Fu << OCTOSPI_TCR_DCYC_Pos)
#define OCTOSPI_TCR_DHQC         (1u << 28)  /* with DHQC, every DTR command needs DDTR=1 (docs/hardware-notes.md) */
#define OCTOSPI_TCR_SSHIFT       (1u << 30)  /* must be 0 when DDTR=1 */

/* ---- HLCR (HyperBus) ---- */
#define OCTOSPI_HLCR_LM          (1u << 0)
#define OCTOSPI_HLCR_WZL         (1u << 1)
#define OCTOSPI_HLCR_TACC_Pos    8u
#define OCTOSPI_HLCR_TACC_Msk    (0xFFu << OCTOSPI_HLCR_TACC_Pos)
#define OCTOSPI_HLCR_TRWR_Pos    16u
#define OCTOSPI_HLCR_TRWR_Msk    (0xFFu << OCTOSPI_HLCR_TRWR_Pos)

/* ---- VER ---- */
#define OCTOSPI_VER_VER_Pos      0u
#define OCTOSPI_VER_VER_Msk      (0xFFu << OCTOSPI_VER_VER_Pos)

#define OCTOSPI_FIFO_BYTES       32u

#endif
