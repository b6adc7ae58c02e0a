/* STM32H735G-DK board glue for the bootloader: clocks, USART3 on the ST-LINK VCP, the memories. */
#ifndef H735_BOARD_H
#define H735_BOARD_H

#include <stdint.h>
#include "flashdev.h"

#define BOARD_UART_BASE   USART3_BASE
#define BOARD_MAX_BAUD    12500000u   /* RM0468 USART: f_ker / 8 with OVER8 (docs/performance.md) */

int board_init(void);                 /* clocks, USART3 at 115200; 0 = OK */
int board_nor_init(void);             /* OCTOSPI1/OSPIM/NOR once; NOR memory-mapped after; 0 = OK */
void board_nor_map(void);             /* back to memory-mapped mode (reads, hand-off) */
void board_uart_deinit(void);         /* USART3 back to its reset state before the application starts */

extern const struct flashdev iflash_dev;  /* iflash.c */
extern const struct flashdev nor_dev;     /* nor.c */

#endif
