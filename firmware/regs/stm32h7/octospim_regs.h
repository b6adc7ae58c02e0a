/* OCTOSPI I/O manager (OCTOSPIM, base OCTOSPIM_BASE), RM0468, OCTOSPIM chapter.
 * Needs RCC AHB3ENR.IOMNGREN, otherwise it reads 0 and ignores writes. Reconfigure only while BOTH
 * OCTOSPI instances are disabled (RM rule): doing it under a mapped window is the DEBUGEVT/HardFault
 * field failure.  H72x/H73x have two ports (P1CR, P2CR).
 */
#ifndef H7_OCTOSPIM_REGS_H
#define H7_OCTOSPIM_REGS_H

#define OCTOSPIM_CR     0x00u
#define OCTOSPIM_P1CR   0x04u
#define OCTOSPIM_P2CR   0x08u
#define OCTOSPIM_PCR(n) (0x04u + 4u * ((n) - 1u))   /* n = 1 or 2 */

#define OCTOSPIM_P1CR_RESET 0x03010111u  /* port 1 = all signals of OCTOSPI1 */
#define OCTOSPIM_P2CR_RESET 0x07050333u  /* port 2 = all signals of OCTOSPI2 */

/* ---- CR ---- */
#define OCTOSPIM_CR_MUXEN             (1u << 0)
#define OCTOSPIM_CR_REQ2ACK_TIME_Pos  16u
#define OCTOSPIM_CR_REQ2ACK_TIME_Msk  (0xFFu << OCTOSPIM_CR_REQ2ACK_TIME_Pos)

/* ---- PnCR (P1CR and P2CR share the layout) ---- */
#define OCTOSPIM_PCR_CLKEN       (1u << 0)
#define OCTOSPIM_PCR_CLKSRC      (1u << 1)   /* 0 = OCTOSPI1, 1 = OCTOSPI2 */
#define OCTOSPIM_PCR_DQSEN       (1u << 4)
#define OCTOSPIM_PCR_DQSSRC      (1u << 5)
#define OCTOSPIM_PCR_NCSEN       (1u << 8)
#define OCTOSPIM_PCR_NCSSRC      (1u << 9)
#define OCTOSPIM_PCR_IOLEN       (1u << 16)
#define OCTOSPIM_PCR_IOLSRC_Pos  17u
#define OCTOSPIM_PCR_IOLSRC_Msk  (0x3u << OCTOSPIM_PCR_IOLSRC_Pos)
#define OCTOSPIM_PCR_IOHEN       (1u << 24)
#define OCTOSPIM_PCR_IOHSRC_Pos  25u
#define OCTOSPIM_PCR_IOHSRC_Msk  (0x3u << OCTOSPIM_PCR_IOHSRC_Pos)
/* IOLSRC / IOHSRC values */
#define OCTOSPIM_IOSRC_OSPI1_LOW  0u     /* OCTOSPI1 IO[3:0] */
#define OCTOSPIM_IOSRC_OSPI1_HIGH 1u     /* OCTOSPI1 IO[7:4] */
#define OCTOSPIM_IOSRC_OSPI2_LOW  2u
#define OCTOSPIM_IOSRC_OSPI2_HIGH 3u

#endif
