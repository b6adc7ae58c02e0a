/* Polling USART driver (RM0468, USART chapter): 8N1, no flow control. Generic over the instance base;
 * the caller enables the RCC clock and routes the pins (board glue). */
#ifndef DRIVERS_H7_USART_H
#define DRIVERS_H7_USART_H

#include <stddef.h>
#include <stdint.h>

#define USART_OK            0
#define USART_ERR_TIMEOUT   (-1)
#define USART_ERR_OVERRUN   (-2)   /* ISR.ORE: a byte was lost because RDR was read too late */
#define USART_ERR_FRAMING   (-3)
#define USART_ERR_NOISE     (-4)
#define USART_ERR_PARITY    (-5)
#define USART_ERR_BAUD      (-6)   /* the kernel clock cannot give this baud rate (BRR out of range) */

/* Programs BRR from the kernel clock (oversampling 16, or 8 for high rates), enables TE/RE/UE and
 * waits for TEACK/REACK. */
int usart_init(uint32_t base, uint32_t kernel_hz, uint32_t baud);
/* The baud rate the registers give with this kernel clock (for reporting/checks). */
uint32_t usart_actual_baud(uint32_t base, uint32_t kernel_hz);
int usart_putc(uint32_t base, uint8_t c, uint32_t timeout_us);
int usart_write(uint32_t base, const void *data, size_t len, uint32_t timeout_us);
/* A byte 0..255, USART_ERR_TIMEOUT, or an error code when a receive error flag was set: the flag is
 * cleared and the byte still held in RDR (if any) is returned by the next call. */
int usart_getc(uint32_t base, uint32_t timeout_us);
/* Waits until the last frame has left the shift register (ISR.TC). */
int usart_flush(uint32_t base, uint32_t timeout_us);
/* Returns and clears the ISR error flags (ORE/FE/NE/PE). */
uint32_t usart_clear_errors(uint32_t base);
/* Drops a received byte still in RDR (RQR.RXFRQ). */
void usart_drain(uint32_t base);
const char *usart_strerror(int err);

#endif
