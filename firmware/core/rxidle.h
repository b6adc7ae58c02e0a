/* port_idle() (core/port.h) for a console whose bytes a DMA stream writes into a circular RAM ring. */
#ifndef CORE_RXIDLE_H
#define CORE_RXIDLE_H

#include <stdint.h>

/* The ring's stream: addresses of its remaining-count register and of the interrupt status register
 * holding its half/full-transfer flags (`flags_mask`: those two flags of this stream, in place), the
 * ring's size, the CPU cycles one byte takes on the wire and the longest pause (cycles). */
struct rxidle_ring {
    uint32_t ndtr_reg, flags_reg, flags_mask, size, byte_cycles, max_pause;
};

/* Called right after the ring found nothing new at `known_pos` (the DMA write index it last saw).
 * `want`: core/port.h's (bytes the awaited frame still needs, PORT_WANT_BUSY when a device works).
 * 1 when the ring has moved (a byte past known_pos, or a half/full-transfer flag set): look at it now;
 * 0 when the wait ended on another event (a device's). */
int rxidle_dma(const struct rxidle_ring *r, uint32_t want, uint32_t known_pos);

#endif
