/* HASH processor (RM0468 §36, STM32H735 only: absent on H723/H725), base HASH_BASE on AHB2 (D2).
 * Only what the release bootloader uses: SHA-256 of a byte stream, polled. See docs/hash-unit.md for
 * the facts we depend on that the manual states less directly. */
#ifndef H7_HASH_REGS_H
#define H7_HASH_REGS_H

#define HASH_CR     0x00u
#define HASH_DIN    0x04u
#define HASH_STR    0x08u
#define HASH_IMR    0x20u
#define HASH_SR     0x24u
#define HASH_HR0    0x310u   /* HASH_HR0..HR7: the SHA-256 digest, H0 first, each word big-endian */
#define HASH_HR1    0x314u
#define HASH_HR2    0x318u
#define HASH_HR3    0x31Cu
#define HASH_HR4    0x320u
#define HASH_HR5    0x324u
#define HASH_HR6    0x328u
#define HASH_HR7    0x32Cu

#define HASH_CR_INIT            (1u << 2)    /* write 1: start a new message (digest and FIFO reset) */
#define HASH_CR_DMAE            (1u << 3)
#define HASH_CR_DATATYPE_Pos    4u
#define HASH_CR_DATATYPE_Msk    (3u << HASH_CR_DATATYPE_Pos)
#define HASH_DATATYPE_8BIT      2u           /* bytes of each DIN word swapped: memory order in */
#define HASH_CR_MODE            (1u << 6)    /* 1: HMAC (not used) */
#define HASH_CR_ALGO0           (1u << 7)
#define HASH_CR_NBW_Pos         8u           /* words in the input FIFO (read-only) */
#define HASH_CR_NBW_Msk         (0xFu << HASH_CR_NBW_Pos)
#define HASH_CR_DINNE           (1u << 12)
#define HASH_CR_ALGO1           (1u << 18)
#define HASH_ALGO_SHA256        (HASH_CR_ALGO1 | HASH_CR_ALGO0)

#define HASH_STR_NBLW_Pos       0u           /* valid bits in the last DIN word (0: all 32) */
#define HASH_STR_NBLW_Msk       (0x1Fu << HASH_STR_NBLW_Pos)
#define HASH_STR_DCAL           (1u << 8)    /* write 1: pad and finish the message */

#define HASH_IMR_DINIE          (1u << 0)
#define HASH_IMR_DCIE           (1u << 1)

#define HASH_SR_DINIS           (1u << 0)    /* the input FIFO takes a new block */
#define HASH_SR_DCIS            (1u << 1)    /* digest ready */
#define HASH_SR_DMAS            (1u << 2)
#define HASH_SR_BUSY            (1u << 3)

#define RCC_AHB2ENR_HASHEN      (1u << 5)

#endif
