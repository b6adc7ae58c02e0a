/* The frame receive buffers (port_frame_pool, core/frame.h): as many as DTCM holds beside the core's other
 * data and the stack (128 KB, RM0468 §2.3 memory map), so the host can keep a NOR's whole 64 KB erase
 * block and the next ERASE in flight while the previous block erases (MX25LM51245G: 220 ms typical, in
 * which 8 Mbaud carries ~170 KB). The window the bootloader advertises is H735_FRAMES - 1. */
#include "frame.h"
#include "port.h"

#define H735_FRAMES 25u

_Static_assert(H735_FRAMES <= FRAME_POOL_MAX, "more buffers than the protocol's largest window");

static struct frame pool[H735_FRAMES];

struct frame *port_frame_pool(unsigned *n)
{
    *n = H735_FRAMES;
    return pool;
}
