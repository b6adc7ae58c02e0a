/* F7 power controller (RM0385 §4.4 PWR registers). */
#ifndef F7_PWR_H
#define F7_PWR_H

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

#endif
