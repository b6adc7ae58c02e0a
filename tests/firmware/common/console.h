/* Test-firmware console: clocks up, USART3 on PD8/PD9 (AF7, the ST-LINK VCP, UM2679) at
 * 115200 baud, through the same drivers the bootloader uses. Shared by the UART test firmwares. */
#ifndef TESTFW_CONSOLE_H
#define TESTFW_CONSOLE_H

#include "drivers/h7/clock.h"

#define CONSOLE_UART 0x40004800u   /* USART3_BASE */

/* Returns clock_init's status (the console works even if the PLLs did not lock: it then runs from
 * whatever clock is active) and fills `f` with the frequencies in use; -1 if the USART did not start. */
int console_init(struct clock_freqs *f, clock_status_t *rc);
void say(const char *s);
void say_kv(const char *key, uint32_t value);   /* "key=value\n", value in decimal: what tests/fw_report.py reads */

#endif
