/* STM32F746G-DISCO board glue for the bootloader: clocks, USART1 on the ST-LINK VCP, the memories. */
#ifndef F746_BOARD_H
#define F746_BOARD_H

#include <stdint.h>
#include "flashdev.h"

#define BOARD_UART_BASE   USART1_BASE
/* The ST-LINK VCP's top rate; reception by DMA keeps every byte whatever the core does meanwhile. */
#define BOARD_MAX_BAUD    921600u

int board_init(void);                 /* clocks, DWT, USART1 at 115200; 0 = OK */
int board_nor_init(void);             /* QUADSPI once, NOR identified and memory-mapped; 0 = OK */
void board_nor_map(void);             /* back to memory-mapped mode (reads, hand-off) */
void board_uart_deinit(void);         /* USART1 back to its reset state before the application starts */

extern const struct flashdev iflash_dev;  /* iflash.c */
extern const struct flashdev nor_dev;     /* nor.c */

#endif
