/* PWR, power control (RM0468, PWR chapter; the SVD's CR3 is the H743 layout, docs/hardware-notes.md).
 * VOS encoding is inverted on H72x/H73x: 00 = Scale 0 (fastest), 11 = Scale 1, 10 = Scale 2, 01 = Scale 3. */
#ifndef H7_PWR_REGS_H
#define H7_PWR_REGS_H

#define PWR_CR1     0x00u
#define PWR_CSR1    0x04u
#define PWR_CR2     0x08u
#define PWR_CR3     0x0Cu
#define PWR_CPUCR   0x10u
#define PWR_D3CR    0x18u
#define PWR_WKUPCR  0x20u
#define PWR_WKUPFR  0x24u
#define PWR_WKUPEPR 0x28u

#define PWR_CR1_DBP             (1u << 8)   /* [RM?] backup domain write enable */

#define PWR_CSR1_PVDO           (1u << 4)
#define PWR_CSR1_ACTVOSRDY      (1u << 13)
#define PWR_CSR1_ACTVOS_Pos     14u
#define PWR_CSR1_ACTVOS_Msk     (3u << PWR_CSR1_ACTVOS_Pos)
#define PWR_CSR1_AVDO           (1u << 16)

/* CR3 supply bits are write-once after power-on (RM0468, PWR_CR3) */
#define PWR_CR3_BYPASS          (1u << 0)
#define PWR_CR3_LDOEN           (1u << 1)
#define PWR_CR3_SMPSEN          (1u << 2)
#define PWR_CR3_SMPSEXTHP       (1u << 3)
#define PWR_CR3_SMPSLEVEL_Pos   4u
#define PWR_CR3_SMPSLEVEL_Msk   (3u << PWR_CR3_SMPSLEVEL_Pos)
#define PWR_CR3_VBE             (1u << 8)
#define PWR_CR3_VBRS            (1u << 9)
#define PWR_CR3_SMPSEXTRDY      (1u << 16)
#define PWR_CR3_USB33DEN        (1u << 24)
#define PWR_CR3_USBREGEN        (1u << 25)
#define PWR_CR3_USB33RDY        (1u << 26)

#define PWR_D3CR_VOSRDY         (1u << 13)
#define PWR_D3CR_VOS_Pos        14u
#define PWR_D3CR_VOS_Msk        (3u << PWR_D3CR_VOS_Pos)
#define PWR_VOS_SCALE0          0u
#define PWR_VOS_SCALE3          1u
#define PWR_VOS_SCALE2          2u
#define PWR_VOS_SCALE1          3u

#endif
