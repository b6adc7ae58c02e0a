/* port_idle() (core/port.h) for a console whose bytes a DMA stream writes into a circular RAM ring. */
#ifndef CORE_RXIDLE_H
#define CORE_RXIDLE_H

#include <stdint.h>

/* Called right after the ring found nothing new. `want`: bytes the awaited frame still needs
 * (PORT_WANT_NONE: a device wait). `ndtr_reg`/`flags_reg`: addresses of the stream's remaining-count
 * register and of the interrupt status register holding its half/full-transfer flags; `byte_cycles`: CPU
 * cycles one byte takes on the wire. */
void rxidle_dma(uint32_t want, uint32_t ndtr_reg, uint32_t flags_reg, uint32_t ring_size, uint32_t byte_cycles);

#endif
