/* The USART the STM32F7 and STM32H7 families share: the registers and bits with the same offset and meaning in
 * RM0385 (F74x USART chapter, USART registers) and RM0468 (H72x/H73x USART chapter). Offsets from the
 * instance base. What only one family has (the H7's FIFO, PRESC and the bits that go with them) is in that
 * family's usart_regs.h, which includes this. Bit 2 of ICR is NECF here (RM0468's name; RM0385 calls the
 * same noise-flag clear bit NCF). */
#ifndef STM32_USART_COMMON_REGS_H
#define STM32_USART_COMMON_REGS_H

#define USART_CR1   0x00u
#define USART_CR2   0x04u
#define USART_CR3   0x08u
#define USART_BRR   0x0Cu
#define USART_GTPR  0x10u
#define USART_RTOR  0x14u
#define USART_RQR   0x18u
#define USART_ISR   0x1Cu
#define USART_ICR   0x20u
#define USART_RDR   0x24u
#define USART_TDR   0x28u

#define USART_CR1_UE        (1u << 0)
#define USART_CR1_RE        (1u << 2)
#define USART_CR1_TE        (1u << 3)
#define USART_CR1_IDLEIE    (1u << 4)
#define USART_CR1_RXNEIE    (1u << 5)
#define USART_CR1_TCIE      (1u << 6)
#define USART_CR1_TXEIE     (1u << 7)
#define USART_CR1_PEIE      (1u << 8)
#define USART_CR1_PS        (1u << 9)
#define USART_CR1_PCE       (1u << 10)
#define USART_CR1_WAKE      (1u << 11)
#define USART_CR1_M0        (1u << 12)
#define USART_CR1_MME       (1u << 13)
#define USART_CR1_CMIE      (1u << 14)
#define USART_CR1_OVER8     (1u << 15)
#define USART_CR1_DEDT_Pos  16u
#define USART_CR1_DEDT_Msk  (0x1Fu << USART_CR1_DEDT_Pos)
#define USART_CR1_DEAT_Pos  21u
#define USART_CR1_DEAT_Msk  (0x1Fu << USART_CR1_DEAT_Pos)
#define USART_CR1_RTOIE     (1u << 26)
#define USART_CR1_EOBIE     (1u << 27)
#define USART_CR1_M1        (1u << 28)

#define USART_CR3_DMAR        (1u << 6)    /* DMA enable receiver */

#define USART_BRR_BRR_Pos     0u
#define USART_BRR_BRR_Msk     (0xFFFFu << USART_BRR_BRR_Pos)

#define USART_ISR_PE          (1u << 0)
#define USART_ISR_FE          (1u << 1)
#define USART_ISR_NE          (1u << 2)
#define USART_ISR_ORE         (1u << 3)
#define USART_ISR_IDLE        (1u << 4)
#define USART_ISR_RXNE        (1u << 5)
#define USART_ISR_TC          (1u << 6)
#define USART_ISR_TXE         (1u << 7)
#define USART_ISR_BUSY        (1u << 16)
#define USART_ISR_TEACK       (1u << 21)

#define USART_ICR_PECF        (1u << 0)
#define USART_ICR_FECF        (1u << 1)
#define USART_ICR_NECF        (1u << 2)
#define USART_ICR_ORECF       (1u << 3)
#define USART_ICR_IDLECF      (1u << 4)
#define USART_ICR_TCCF        (1u << 6)

#define USART_RDR_RDR_Pos     0u
#define USART_RDR_RDR_Msk     (0x1FFu << USART_RDR_RDR_Pos)
#define USART_TDR_TDR_Pos     0u
#define USART_TDR_TDR_Msk     (0x1FFu << USART_TDR_TDR_Pos)

#endif
