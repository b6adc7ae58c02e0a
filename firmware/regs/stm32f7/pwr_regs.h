/* F7 power controller (RM0385 §4.4 PWR registers). */
#ifndef F7_PWR_REGS_H
#define F7_PWR_REGS_H

#define PWR_CR1   0x00u
#define PWR_CSR1  0x04u
#define PWR_CR2   0x08u
#define PWR_CSR2  0x0Cu

#define PWR_CR1_DBP       (1u << 8)
#define PWR_CR1_VOS_Pos   14u
#define PWR_CR1_VOS_Msk   (3u << 14)
#define PWR_CR1_ODEN      (1u << 16)
#define PWR_CR1_ODSWEN    (1u << 17)

#define PWR_CSR1_VOSRDY   (1u << 14)
#define PWR_CSR1_ODRDY    (1u << 16)
#define PWR_CSR1_ODSWRDY  (1u << 17)

#define PWR_CR1_ADCDC1               (1u << 13)
#define PWR_CR1_CSBF                 (1u << 3)
#define PWR_CR1_FPDS                 (1u << 9)
#define PWR_CR1_LPDS                 (1u << 0)
#define PWR_CR1_LPUDS                (1u << 10)
#define PWR_CR1_MRUDS                (1u << 11)
#define PWR_CR1_PDDS                 (1u << 1)
#define PWR_CR1_PLS_Pos              5u
#define PWR_CR1_PLS_Msk              (0x7u << 5)
#define PWR_CR1_PVDE                 (1u << 4)
#define PWR_CR1_UDEN_Pos             18u
#define PWR_CR1_UDEN_Msk             (0x3u << 18)
#define PWR_CSR1_BRE                 (1u << 9)
#define PWR_CSR1_BRR                 (1u << 3)
#define PWR_CSR1_EIWUP               (1u << 8)
#define PWR_CSR1_PVDO                (1u << 2)
#define PWR_CSR1_SBF                 (1u << 1)
#define PWR_CSR1_UDRDY_Pos           18u
#define PWR_CSR1_UDRDY_Msk           (0x3u << 18)
#define PWR_CSR1_WUIF                (1u << 0)

#endif
