/* DMAMUX1: routes peripheral DMA requests to DMA1/DMA2 streams. Source: RM0468, DMAMUX chapter.
 * Channel c (0..7) feeds DMA1 stream c, channel 8..15 feeds DMA2 stream c-8. Offsets from DMAMUX1_BASE. */
#ifndef H7_DMAMUX_REGS_H
#define H7_DMAMUX_REGS_H

#define DMAMUX_CxCR(c)  (4u * (c))
#define DMAMUX_C0CR   0x00u
#define DMAMUX_C1CR   0x04u
#define DMAMUX_C2CR   0x08u
#define DMAMUX_C3CR   0x0Cu
#define DMAMUX_C4CR   0x10u
#define DMAMUX_C5CR   0x14u
#define DMAMUX_C6CR   0x18u
#define DMAMUX_C7CR   0x1Cu
#define DMAMUX_C8CR   0x20u
#define DMAMUX_C9CR   0x24u
#define DMAMUX_C10CR  0x28u
#define DMAMUX_C11CR  0x2Cu
#define DMAMUX_C12CR  0x30u
#define DMAMUX_C13CR  0x34u
#define DMAMUX_C14CR  0x38u
#define DMAMUX_C15CR  0x3Cu
#define DMAMUX_CSR      0x80u   /* synchronisation overrun flags (read-only) */
#define DMAMUX_CFR      0x84u   /* write 1 to clear CSR bits */
#define DMAMUX_RG0CR   0x100u
#define DMAMUX_RG1CR   0x104u
#define DMAMUX_RG2CR   0x108u
#define DMAMUX_RG3CR   0x10Cu
#define DMAMUX_RG4CR   0x110u
#define DMAMUX_RG5CR   0x114u
#define DMAMUX_RG6CR   0x118u
#define DMAMUX_RG7CR   0x11Cu
#define DMAMUX_RGSR     0x140u
#define DMAMUX_RGCFR    0x144u

#define DMAMUX_CxCR_DMAREQ_ID_Pos 0u
#define DMAMUX_CxCR_DMAREQ_ID_Msk (0xFFu << DMAMUX_CxCR_DMAREQ_ID_Pos)
#define DMAMUX_CxCR_SOIE          (1u << 8)
#define DMAMUX_CxCR_EGE           (1u << 9)
#define DMAMUX_CxCR_SE            (1u << 16)
#define DMAMUX_CxCR_SPOL_Pos      17u
#define DMAMUX_CxCR_SPOL_Msk      (3u << DMAMUX_CxCR_SPOL_Pos)
#define DMAMUX_CxCR_NBREQ_Pos     19u
#define DMAMUX_CxCR_NBREQ_Msk     (0x1Fu << DMAMUX_CxCR_NBREQ_Pos)
#define DMAMUX_CxCR_SYNC_ID_Pos   24u
#define DMAMUX_CxCR_SYNC_ID_Msk   (0x1Fu << DMAMUX_CxCR_SYNC_ID_Pos)

#define DMAMUX_RGxCR_SIG_ID_Pos   0u
#define DMAMUX_RGxCR_SIG_ID_Msk   (0x1Fu << DMAMUX_RGxCR_SIG_ID_Pos)
#define DMAMUX_RGxCR_OIE          (1u << 8)
#define DMAMUX_RGxCR_GE           (1u << 16)
#define DMAMUX_RGxCR_GPOL_Pos     17u
#define DMAMUX_RGxCR_GPOL_Msk     (3u << DMAMUX_RGxCR_GPOL_Pos)
#define DMAMUX_RGxCR_GNBREQ_Pos   19u
#define DMAMUX_RGxCR_GNBREQ_Msk   (0x1Fu << DMAMUX_RGxCR_GNBREQ_Pos)

/* DMAMUX1 request inputs (RM0468 DMAMUX1 table, from memory) [RM?] */
#define DMAMUX1_REQ_USART1_RX 41u
#define DMAMUX1_REQ_USART1_TX 42u
#define DMAMUX1_REQ_USART3_RX 45u
#define DMAMUX1_REQ_USART3_TX 46u

#endif
