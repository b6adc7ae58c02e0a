/* USART (USART1/2/3/6, UART4/5/7/8 share the IP), RM0468, USART chapter. Offsets from the instance base.
 * The map and bits the F7's USART has too are in ../stm32/usart_common_regs.h; here the H7's own (FIFO,
 * PRESC, UESM) and the further CR2/CR3/RQR/ISR/ICR bits only H7 code names. */
#ifndef H7_USART_REGS_H
#define H7_USART_REGS_H

#include "../stm32/usart_common_regs.h"

#define USART_PRESC 0x2Cu

#define USART_CR1_UESM      (1u << 1)
#define USART_CR1_FIFOEN    (1u << 29)
#define USART_CR1_TXFEIE    (1u << 30)
#define USART_CR1_RXFFIE    (1u << 31)

#define USART_CR2_STOP_Pos    12u
#define USART_CR2_STOP_Msk    (3u << USART_CR2_STOP_Pos)   /* 00 1, 01 0.5, 10 2, 11 1.5 stop bits */
#define USART_CR2_SWAP        (1u << 15)
#define USART_CR2_RXINV       (1u << 16)
#define USART_CR2_TXINV       (1u << 17)
#define USART_CR2_DATAINV     (1u << 18)
#define USART_CR2_MSBFIRST    (1u << 19)
#define USART_CR2_ABREN       (1u << 20)
#define USART_CR2_ABRMODE_Pos 21u
#define USART_CR2_ABRMODE_Msk (3u << USART_CR2_ABRMODE_Pos)
#define USART_CR2_RTOEN       (1u << 23)
#define USART_CR2_ADD_Pos     24u
#define USART_CR2_ADD_Msk     (0xFFu << USART_CR2_ADD_Pos)

#define USART_CR3_EIE         (1u << 0)
#define USART_CR3_HDSEL       (1u << 3)
#define USART_CR3_DMAT        (1u << 7)
#define USART_CR3_RTSE        (1u << 8)
#define USART_CR3_CTSE        (1u << 9)
#define USART_CR3_OVRDIS      (1u << 12)
#define USART_CR3_RXFTCFG_Pos 25u
#define USART_CR3_RXFTCFG_Msk (7u << USART_CR3_RXFTCFG_Pos)
#define USART_CR3_TXFTCFG_Pos 29u
#define USART_CR3_TXFTCFG_Msk (7u << USART_CR3_TXFTCFG_Pos)

#define USART_RQR_ABRRQ       (1u << 0)
#define USART_RQR_SBKRQ       (1u << 1)
#define USART_RQR_MMRQ        (1u << 2)
#define USART_RQR_RXFRQ       (1u << 3)   /* flush the receive data (clears RXNE) */
#define USART_RQR_TXFRQ       (1u << 4)

/* ISR: in FIFO mode RXNE reads as RXFNE and TXE as TXFNF (same bits, usart_common_regs.h) */
#define USART_ISR_LBDF        (1u << 8)
#define USART_ISR_CTSIF       (1u << 9)
#define USART_ISR_CTS         (1u << 10)
#define USART_ISR_RTOF        (1u << 11)
#define USART_ISR_EOBF        (1u << 12)
#define USART_ISR_UDR         (1u << 13)
#define USART_ISR_ABRE        (1u << 14)
#define USART_ISR_ABRF        (1u << 15)
#define USART_ISR_CMF         (1u << 17)
#define USART_ISR_SBKF        (1u << 18)
#define USART_ISR_RWU         (1u << 19)
#define USART_ISR_WUF         (1u << 20)
#define USART_ISR_REACK       (1u << 22)
#define USART_ISR_TXFE        (1u << 23)
#define USART_ISR_RXFF        (1u << 24)
#define USART_ISR_TCBGT       (1u << 25)
#define USART_ISR_RXFT        (1u << 26)
#define USART_ISR_TXFT        (1u << 27)

#define USART_ICR_TXFECF      (1u << 5)
#define USART_ICR_TCBGTCF     (1u << 7)
#define USART_ICR_LBDCF       (1u << 8)
#define USART_ICR_CTSCF       (1u << 9)
#define USART_ICR_RTOCF       (1u << 11)
#define USART_ICR_EOBCF       (1u << 12)
#define USART_ICR_UDRCF       (1u << 13)
#define USART_ICR_CMCF        (1u << 17)
#define USART_ICR_WUCF        (1u << 20)

#define USART_PRESC_PRESCALER_Pos 0u
#define USART_PRESC_PRESCALER_Msk (0xFu << USART_PRESC_PRESCALER_Pos)

#endif
