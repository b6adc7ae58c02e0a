/* The bootloader's portable core: session and sequence rules, command dispatch, replies.
 * A board's main() calls bl_init() once and bl_poll() forever (bl_poll never blocks for long). */
#ifndef CORE_BL_H
#define CORE_BL_H

#include <stdint.h>

#define BL_VERSION 0x0102u   /* major << 8 | minor */

void bl_init(void);
/* The start decision's durability part: 1 when the application record is valid, i.e. the last session
 * that changed any memory completed and was committed (apprec.h). Boards AND it with their own checks. */
int bl_app_committed(void);
void bl_poll(void);
/* 1 once a valid frame has been received since bl_init (the host "spoke": stay in the bootloader). */
int bl_host_seen(void);
/* Statistics for tests: frames with a bad CRC, frames dropped for lack of buffers, frames applied. */
void bl_stats(uint32_t out[3]);

#endif
