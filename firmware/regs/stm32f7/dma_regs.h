/* DMA1/DMA2 of the STM32F74x: the stream controller of ../stm32/dma_stream_regs.h (RM0385 §8.5) and what only
 * the F7 has. Request routing: SxCR.CHSEL picks one of 8 request lines per stream (RM0385 §8.3.3 and its
 * DMA1/DMA2 request mapping tables); USART1_RX is DMA2 stream 2 or 5, channel 4; SxCR bit 20 is reserved.
 * Reach (RM0385 §2.1, figure 1): SRAM1/SRAM2 and the DTCM (through the Cortex-M7 AHBS slave port); the ITCM
 * RAM is CPU-only. */
#ifndef F7_DMA_REGS_H
#define F7_DMA_REGS_H

#include "../stm32/dma_stream_regs.h"

#define DMA_SxCR_CHSEL_Pos  25u       /* request channel 0..7 (RM0385 §8.3.3, DMA2 request mapping) */
#define DMA_SxCR_CHSEL_Msk  (7u << DMA_SxCR_CHSEL_Pos)

#endif
