/* The frame receive buffers (port_frame_pool, core/frame.h). The N25Q128A erases a 64 KB sector in 700 ms
 * typical (its datasheet, AC characteristics), in which 921600 baud carries ~64 KB: with the core's default
 * 8 frames in flight the link stalls during every erase. 24 frames in flight hold a whole 64 KB sector of
 * data and the next ERASE with room to spare. 25 x 4 KB does not fit the 64 KB DTCM: they live in SRAM1/SRAM2
 * (.frames, bootloader.ld), which the CPU alone reads and writes, so the D-cache being off (startup.c) and
 * DMA coherency do not concern them. The window the bootloader advertises is F746_FRAMES - 1. */
#include "frame.h"
#include "port.h"

#define F746_FRAMES 25u

_Static_assert(F746_FRAMES <= FRAME_POOL_MAX, "more buffers than the protocol's largest window");

static struct frame pool[F746_FRAMES] __attribute__((section(".frames")));

struct frame *port_frame_pool(unsigned *n)
{
    *n = F746_FRAMES;
    return pool;
}
