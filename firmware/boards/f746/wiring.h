/* STM32F746G-DISCO wiring shared by the bootloader, the demo and the external loader (UM1907): 25 MHz HSE,
 * the QUADSPI NOR on bank 1, the ST-LINK virtual COM port on USART1 (PA9 TX / PB7 RX, AF7). */
#ifndef F746_WIRING_H
#define F746_WIRING_H

#include <stdint.h>

#define F746_HSE_HZ      25000000u
#define F746_SYSCLK_HZ   216000000u
#define F746_PCLK2_HZ    108000000u   /* USART1's kernel clock (APB2, DCKCFGR2.USART1SEL = PCLK2) */
#define F746_NOR_WINDOW  0x90000000u

int wiring_clocks(void);        /* 216 MHz (0), or HSI 16 MHz left running (-1) */
uint32_t wiring_hclk(void);     /* AHB clock now: the QUADSPI kernel clock and the DWT rate */
void wiring_qspi(void);         /* QUADSPI pins and controller; once per boot */
void wiring_console_pins(void); /* USART1 PA9 / PB7 */

#endif
