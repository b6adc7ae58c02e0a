/* CRC calculation unit (RM0468, CRC chapter), base CRC_BASE on AHB4 (D3). */
#ifndef H7_CRC_REGS_H
#define H7_CRC_REGS_H

#define CRC_DR      0x00u   /* write: data in (8, 16 or 32 bits: the access width); read: the CRC so far */
#define CRC_IDR     0x04u
#define CRC_CR      0x08u
#define CRC_INIT    0x10u   /* loaded into the CRC by CR.RESET; reset value 0xFFFFFFFF */
#define CRC_POL     0x14u   /* reset value 0x04C11DB7 */

#define CRC_CR_RESET            (1u << 0)    /* write 1: CRC = INIT (cleared by hardware) */
#define CRC_CR_POLYSIZE_Pos     3u           /* 0: 32-bit, 1: 16, 2: 8, 3: 7 */
#define CRC_CR_POLYSIZE_Msk     (3u << CRC_CR_POLYSIZE_Pos)
#define CRC_CR_REV_IN_Pos       5u           /* 0: none, 1: bits by byte, 2: by half-word, 3: by word */
#define CRC_CR_REV_IN_Msk       (3u << CRC_CR_REV_IN_Pos)
#define CRC_CR_REV_OUT          (1u << 7)

#endif
