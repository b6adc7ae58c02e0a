/* STM32F7 USART, polled (RM0385 §31): 8N1, oversampling by 16 or 8. No receive FIFO on this family: a
 * byte must be read before the next one completes, or ISR.ORE sets and the byte is lost. */
#ifndef DRIVERS_F7_UART_H
#define DRIVERS_F7_UART_H

#include <stdint.h>

/* The rate reached (within 2 %), or 0 when `baud` is not reachable from `ker_hz` (nothing changed). */
uint32_t uart_init(uint32_t base, uint32_t ker_hz, uint32_t baud);
int uart_getc(uint32_t base);                 /* next byte or -1; an overrun is cleared (the byte is lost) */
int uart_putc(uint32_t base, uint8_t c);      /* 1: accepted; 0: transmitter full */
void uart_flush(uint32_t base, uint32_t spins);   /* until the last frame left (ISR.TC), bounded */

#endif
