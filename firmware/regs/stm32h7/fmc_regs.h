/* FMC NOR/PSRAM/SRAM controller bank registers (base FMC_R_BASE), RM0468 FMC chapter. Only what start-up
 * code touches: vendor SystemInit writes BCR1 to stop speculative accesses to bank 1. */
#ifndef H7_FMC_REGS_H
#define H7_FMC_REGS_H

#define FMC_BCR1   0x000u
#define FMC_BTR1   0x004u
#define FMC_BCR2   0x008u
#define FMC_BTR2   0x00Cu
#define FMC_BCR3   0x010u
#define FMC_BTR3   0x014u
#define FMC_BCR4   0x018u
#define FMC_BTR4   0x01Cu
#define FMC_BWTR1  0x104u
#define FMC_BWTR2  0x10Cu
#define FMC_BWTR3  0x114u
#define FMC_BWTR4  0x11Cu

#define FMC_BCR1_RESET 0x000030DBu   /* MBKEN=1, MWID=16, FACCEN, WREN, WAITEN; BCR2..4: 0x000030D2 */

#define FMC_BCR_MBKEN      (1u << 0)
#define FMC_BCR_MUXEN      (1u << 1)
#define FMC_BCR_MTYP_Pos   2u
#define FMC_BCR_MTYP_Msk   (3u << FMC_BCR_MTYP_Pos)
#define FMC_BCR_MWID_Pos   4u
#define FMC_BCR_MWID_Msk   (3u << FMC_BCR_MWID_Pos)
#define FMC_BCR_FACCEN     (1u << 6)
#define FMC_BCR_RSVD7      (1u << 7)    /* reserved, reads 1 (its reset value) */
#define FMC_BCR_BURSTEN    (1u << 8)
#define FMC_BCR_WAITPOL    (1u << 9)
#define FMC_BCR_WAITCFG    (1u << 11)
#define FMC_BCR_WREN       (1u << 12)
#define FMC_BCR_WAITEN     (1u << 13)
#define FMC_BCR_EXTMOD     (1u << 14)
#define FMC_BCR_ASYNCWAIT  (1u << 15)
#define FMC_BCR_CPSIZE_Pos 16u
#define FMC_BCR_CPSIZE_Msk (7u << FMC_BCR_CPSIZE_Pos)
#define FMC_BCR_CBURSTRW   (1u << 19)
#define FMC_BCR_CCLKEN     (1u << 20)   /* BCR1 only */
#define FMC_BCR_WFDIS      (1u << 21)
#define FMC_BCR_BMAP_Pos   24u          /* BCR1 only */
#define FMC_BCR_BMAP_Msk   (3u << FMC_BCR_BMAP_Pos)
#define FMC_BCR_FMCEN      (1u << 31)   /* BCR1 only: the whole FMC */

#endif
