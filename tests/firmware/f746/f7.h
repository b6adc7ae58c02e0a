/* F746 test firmware: shared helpers. */
#ifndef F7_TESTFW_H
#define F7_TESTFW_H

#include <stdint.h>

#include "mmio.h"

int console_init(void);          /* 216 MHz from HSE, USART1 115200 on PA9/PB7; 0 when it runs */
void say(const char *s);
void console_flush(void);        /* wait until the last frame has left the shift register (ISR.TC) */
void say_kv(const char *key, uint32_t value);
uint32_t cycles(void);           /* DWT.CYCCNT */
void gpio_af(uint32_t port, uint32_t pin, uint32_t af, uint32_t pull);

void flash_tests(void);
void qspi_tests(void);

#endif
