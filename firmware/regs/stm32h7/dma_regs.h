/* DMA1/DMA2 of the H72x/H73x (the H743's DMA IP): the stream controller of ../stm32/dma_stream_regs.h
 * (RM0468, DMA controller chapter; ST's STM32H73x SVD agrees for this IP) and what only the H7 has. Requests
 * reach a stream through DMAMUX1 (dmamux_regs.h); SxCR bits 27:25 are reserved.
 * H7 bus matrix: DMA1/DMA2 cannot reach DTCM/ITCM (CPU-only TCMs): such a memory address gives a transfer
 * error (TEIF) [RM?]. AXI SRAM and SRAM1/2/4 are reachable. */
#ifndef H7_DMA_REGS_H
#define H7_DMA_REGS_H

#include "../stm32/dma_stream_regs.h"

/* Bit 20: "ACK" in the SVD (absent from its S0CR), TRBUFF in RM0468: bufferable transfers, to be set for
 * U(S)ART streams [RM?]. */
#define DMA_SxCR_TRBUFF     (1u << 20)

/* RCC AHB1ENR gates (SVD RCC AHB1ENR: DMA1EN b0, DMA2EN b1); rcc.h does not list them. */
#ifndef RCC_AHB1ENR_DMA1EN
#define RCC_AHB1ENR_DMA1EN  (1u << 0)
#define RCC_AHB1ENR_DMA2EN  (1u << 1)
#endif

#endif
