/* Background work for memories that can erase or program while the CPU does something else (flashdev.h:
 * erase_start / program_start / poll). memcmd.c queues their ERASE and WRITE work here and answers at
 * once; the queue advances whenever the core waits (fd_idle, fd_wait, bl_poll), so such a memory works
 * at the same time as a memory whose operations block (a NOR erase) and while frames arrive.
 *
 * Order: a memory's queued work runs in the order it was queued; every request other than ERASE and
 * WRITE (CRC, READ, COMMIT, ...) first waits until the queue is empty, so it sees everything answered
 * before it. A queued operation that fails is reported in the reply to the next request, and the work
 * queued after it is dropped (the host stops at an error; the application record stays invalid). */
#ifndef CORE_DEVQ_H
#define CORE_DEVQ_H

#include <stdint.h>
#include "flashdev.h"
#include "protocol.h"

/* 1 when d's ERASE and WRITE work goes through the queue (d has the three ops and the board gives a
 * buffer, port_queue_buffer). */
int devq_takes(const struct flashdev *d);
/* Queue the erase of the sector at addr / the programming of len bytes (copied): waits (serving the UART)
 * while the queue is full. */
void devq_erase(const struct flashdev *d, uint32_t addr);
void devq_program(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len);
/* Advance the queue by at most one device operation; never waits. */
void devq_run(void);
/* 1 while work is queued. */
int devq_busy(void);
/* Wait (serving the UART) until every queued operation has ended. */
void devq_flush(void);
/* A queued operation failed since the last call: 1 and *st filled (status, address, detail), then cleared. */
int devq_failed(struct proto_status *st);

#endif
