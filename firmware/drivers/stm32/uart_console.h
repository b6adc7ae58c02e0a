/* The bootloader's console on an STM32 USART received by circular DMA (uart_rx_ring.h): the receive side
 * and rate of core/port.h (port_uart_peek, port_uart_consume, port_idle, port_uart_set_baud, port_uart_baud,
 * port_uart_max_baud), kept once for every board. A board gives its data (board_console: which USART,
 * which DMA stream its RX request reaches, its fastest rate) and how its family's driver sets that USART to
 * a rate from the board's kernel clock (board_console_init); transmitting stays the board's. */
#ifndef DRIVERS_STM32_UART_CONSOLE_H
#define DRIVERS_STM32_UART_CONSOLE_H

#include <stdint.h>

struct uart_console_wiring {
    uint32_t usart;      /* USART base */
    uint32_t dma;        /* DMA1_BASE or DMA2_BASE: the controller its RX request reaches */
    uint32_t stream;     /* that controller's stream (0..7) */
    uint32_t max_baud;   /* fastest exact rate of its kernel clock (port_uart_max_baud) */
};

/* Board side: the console's wiring, and the USART set up (transmitter and receiver on, CR3 = 0) at `baud`
 * from the board's kernel clock: 0, or -1 when that rate is not within tolerance. */
extern const struct uart_console_wiring board_console;
int board_console_init(uint32_t baud);

/* Start the console at PROTO_DEFAULT_BAUD (board_init, once the USART's clocks run); `cycles_per_ms`:
 * the CPU clock port_idle times a byte with. 0, or -1 when the USART or its DMA stream would not start. */
int uart_console_start(uint32_t cycles_per_ms);
/* Stop the DMA stream (before the USART and DMA are reset for the application). */
void uart_console_stop(void);

#endif
