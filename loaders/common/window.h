/* What every external loader front end shares: the NOR seen through its memory-mapped window.
 * The front end defines loader_nor_window and loader_ensure_mapped(); window.c implements Read,
 * CheckSum and Verify on top (docs/external-loader-abi.md §2, §4). */
#ifndef LOADER_WINDOW_H
#define LOADER_WINDOW_H

#include <stdint.h>

extern const uint32_t loader_nor_window;   /* bus address of the NOR's memory-mapped window */
int loader_ensure_mapped(void);            /* 1 once the window reads the NOR */

void loader_fpu_on(void);
uint32_t loader_nor_offset(uint32_t addr);

#endif
