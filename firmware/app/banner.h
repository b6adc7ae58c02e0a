/* The demo application's banner, the same on every board: its name and version, the CRC of its NOR table,
 * a checksum computed by code executed in place from the NOR, and the CRC of its whole NOR image, so the
 * user (and tests/test_flash_sim.py) sees that the board runs exactly what was flashed. The NOR table and
 * the .nor_text section come from the board's demo.ld (__nor_start, __nor_end). */
#ifndef APP_BANNER_H
#define APP_BANNER_H

#include <stdint.h>

/* Print "stm32boot demo <version> on <board_title>: ..." and CRLF through `puts_`. */
void banner_print(const char *version, const char *board_title, void (*puts_)(const char *s));

#endif
