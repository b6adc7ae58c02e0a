/* The DMA stream controller (DMA1/DMA2) shared by the STM32F7 and STM32H7 families: the same register map and
 * bit meanings in RM0385 §8.5 (F74x) and RM0468's DMA controller chapter (H72x/H73x). Offsets from the
 * instance base; stream n registers at 0x10 + 0x18*n: DMA_SxCR(n) etc. for code, DMA_S0CR... for the
 * simulator cross-check. What differs (how a request reaches a stream: SxCR.CHSEL on the F7, DMAMUX1 on the
 * H7; SxCR bit 20; which memories the DMA reaches) is in each family's dma_regs.h, which includes this. */
#ifndef STM32_DMA_STREAM_REGS_H
#define STM32_DMA_STREAM_REGS_H

#define DMA_LISR    0x00u   /* flags of streams 0..3 (read-only) */
#define DMA_HISR    0x04u   /* flags of streams 4..7 */
#define DMA_LIFCR   0x08u   /* write 1 to clear the LISR bit at the same position */
#define DMA_HIFCR   0x0Cu

#define DMA_SxCR(n)   (0x10u + 0x18u * (n))
#define DMA_SxNDTR(n) (0x14u + 0x18u * (n))
#define DMA_SxPAR(n)  (0x18u + 0x18u * (n))
#define DMA_SxM0AR(n) (0x1Cu + 0x18u * (n))
#define DMA_SxM1AR(n) (0x20u + 0x18u * (n))
#define DMA_SxFCR(n)  (0x24u + 0x18u * (n))
#define DMA_S0CR    0x10u
#define DMA_S0NDTR  0x14u
#define DMA_S0PAR   0x18u
#define DMA_S0M0AR  0x1Cu
#define DMA_S0M1AR  0x20u
#define DMA_S0FCR   0x24u
#define DMA_S1CR    0x28u
#define DMA_S1NDTR  0x2Cu
#define DMA_S1PAR   0x30u
#define DMA_S1M0AR  0x34u
#define DMA_S1M1AR  0x38u
#define DMA_S1FCR   0x3Cu
#define DMA_S2CR    0x40u
#define DMA_S2NDTR  0x44u
#define DMA_S2PAR   0x48u
#define DMA_S2M0AR  0x4Cu
#define DMA_S2M1AR  0x50u
#define DMA_S2FCR   0x54u
#define DMA_S3CR    0x58u
#define DMA_S3NDTR  0x5Cu
#define DMA_S3PAR   0x60u
#define DMA_S3M0AR  0x64u
#define DMA_S3M1AR  0x68u
#define DMA_S3FCR   0x6Cu
#define DMA_S4CR    0x70u
#define DMA_S4NDTR  0x74u
#define DMA_S4PAR   0x78u
#define DMA_S4M0AR  0x7Cu
#define DMA_S4M1AR  0x80u
#define DMA_S4FCR   0x84u
#define DMA_S5CR    0x88u
#define DMA_S5NDTR  0x8Cu
#define DMA_S5PAR   0x90u
#define DMA_S5M0AR  0x94u
#define DMA_S5M1AR  0x98u
#define DMA_S5FCR   0x9Cu
#define DMA_S6CR    0xA0u
#define DMA_S6NDTR  0xA4u
#define DMA_S6PAR   0xA8u
#define DMA_S6M0AR  0xACu
#define DMA_S6M1AR  0xB0u
#define DMA_S6FCR   0xB4u
#define DMA_S7CR    0xB8u
#define DMA_S7NDTR  0xBCu
#define DMA_S7PAR   0xC0u
#define DMA_S7M0AR  0xC4u
#define DMA_S7M1AR  0xC8u
#define DMA_S7FCR   0xCCu

/* Per-stream flag group in LISR/HISR (and IFCR): stream n uses bits << DMA_FLAG_SHIFT(n), shifts 0, 6, 16, 22
 * for streams 0..3 (LISR) and 4..7 (HISR) (RM0385 §8.5.1-8.5.4; RM0468, DMA_LISR/HISR/LIFCR/HIFCR). */
#define DMA_FLAG_FEIF   (1u << 0)   /* FIFO error */
#define DMA_FLAG_DMEIF  (1u << 2)   /* direct-mode error */
#define DMA_FLAG_TEIF   (1u << 3)   /* transfer error: bus error on an access; the stream disables itself */
#define DMA_FLAG_HTIF   (1u << 4)   /* half transfer */
#define DMA_FLAG_TCIF   (1u << 5)   /* transfer complete (each lap in circular mode) */
#define DMA_FLAG_ALL    0x3Du
#define DMA_FLAG_SHIFT(n)   ((((n) & 1u) * 6u) + ((((n) >> 1) & 1u) * 16u))
#define DMA_ISR_OFF(n)      ((n) < 4u ? DMA_LISR : DMA_HISR)
#define DMA_IFCR_OFF(n)     ((n) < 4u ? DMA_LIFCR : DMA_HIFCR)

/* SxCR (RM0385 §8.5.5; RM0468, DMA_SxCR). Bits 27:25 and 20 differ per family (the family's dma_regs.h);
 * bits 31:28 are reserved on both. */
#define DMA_SxCR_EN         (1u << 0)
#define DMA_SxCR_DMEIE      (1u << 1)
#define DMA_SxCR_TEIE       (1u << 2)
#define DMA_SxCR_HTIE       (1u << 3)
#define DMA_SxCR_TCIE       (1u << 4)
#define DMA_SxCR_PFCTRL     (1u << 5)
#define DMA_SxCR_DIR_Pos    6u        /* 00 peripheral-to-memory, 01 memory-to-peripheral, 10 memory-to-memory */
#define DMA_SxCR_DIR_Msk    (3u << DMA_SxCR_DIR_Pos)
#define DMA_SxCR_CIRC       (1u << 8)
#define DMA_SxCR_PINC       (1u << 9)
#define DMA_SxCR_MINC       (1u << 10)
#define DMA_SxCR_PSIZE_Pos  11u       /* 00 byte, 01 half-word, 10 word */
#define DMA_SxCR_PSIZE_Msk  (3u << DMA_SxCR_PSIZE_Pos)
#define DMA_SxCR_MSIZE_Pos  13u
#define DMA_SxCR_MSIZE_Msk  (3u << DMA_SxCR_MSIZE_Pos)
#define DMA_SxCR_PINCOS     (1u << 15)
#define DMA_SxCR_PL_Pos     16u       /* priority 0 low .. 3 very high */
#define DMA_SxCR_PL_Msk     (3u << DMA_SxCR_PL_Pos)
#define DMA_SxCR_DBM        (1u << 18)
#define DMA_SxCR_CT         (1u << 19)
#define DMA_SxCR_PBURST_Pos 21u
#define DMA_SxCR_PBURST_Msk (3u << DMA_SxCR_PBURST_Pos)
#define DMA_SxCR_MBURST_Pos 23u
#define DMA_SxCR_MBURST_Msk (3u << DMA_SxCR_MBURST_Pos)

#define DMA_SxNDTR_NDT_Pos  0u        /* items left; 16 bits; reloaded each lap in circular mode */
#define DMA_SxNDTR_NDT_Msk  (0xFFFFu << DMA_SxNDTR_NDT_Pos)

#define DMA_SxFCR_FTH_Pos   0u
#define DMA_SxFCR_FTH_Msk   (3u << DMA_SxFCR_FTH_Pos)
#define DMA_SxFCR_DMDIS     (1u << 2)  /* 1: FIFO mode; 0: direct mode */
#define DMA_SxFCR_FS_Pos    3u         /* FIFO status (read-only), 100 = empty after reset */
#define DMA_SxFCR_FS_Msk    (7u << DMA_SxFCR_FS_Pos)
#define DMA_SxFCR_FEIE      (1u << 7)

#endif
