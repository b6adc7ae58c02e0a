/* Quad-SPI NOR on the F7 QUADSPI: the parts fitted to STM32F746G-DISCO boards, told apart by their JEDEC
 * ID (Micron N25Q128A, Winbond W25Q128JV). An ID of no known part is reported (qnor.id), never guessed.
 * The NOR runs 1-4-4 reads (0xEB) in memory-mapped mode and 1-1-4 page programs (0x32).
 *
 * Erase and program come in two halves: *_start sends the command and returns, qnor_poll() says when the
 * device is done, so a caller can serve its UART meanwhile. The blocking forms wrap them. */
#ifndef DRIVERS_F7_QNOR_H
#define DRIVERS_F7_QNOR_H

#include <stdint.h>

#include "qspi.h"

#define QNOR_PAGE      256u
#define QNOR_SUBSECTOR 4096u
#define QNOR_BLOCK     65536u   /* 0xD8: N25Q128A "sector erase", W25Q128JV "64KB block erase" */

struct qnor_part;

struct qnor {
    const struct qnor_part *part;   /* NULL until identified */
    uint8_t id[3];                  /* JEDEC manufacturer, memory type, capacity as read */
    uint32_t status;                /* last device status: SR (and N25Q flag status << 8) */
    uint32_t t0, spent_us, limit;   /* the operation in progress: cycle count last looked at, time spent
                                       and its limit (microseconds) */
};

/* Reset the device out of any mode an earlier program left, read its ID, set it up for quad reads.
 * QSPI_E_UNKNOWN_ID: n->id holds what the device answered. The controller must be initialised. */
qspi_status qnor_init(struct qnor *n);
/* Identify the part again (JEDEC ID only) without resetting it: after qnor_init in an earlier call. */
qspi_status qnor_attach(struct qnor *n);
const char *qnor_part_name(const struct qnor *n);
uint32_t qnor_size(const struct qnor *n);

qspi_status qnor_erase_start(struct qnor *n, uint32_t off);          /* the 4 KB subsector at off */
qspi_status qnor_erase_block_start(struct qnor *n, uint32_t off);    /* the 64 KB block at off */
qspi_status qnor_erase_chip_start(struct qnor *n);
qspi_status qnor_program_start(struct qnor *n, uint32_t off, const uint8_t *d, uint32_t len); /* one page */
qspi_status qnor_poll(struct qnor *n);     /* QSPI_BUSY, QSPI_OK, or the error (n->status) */

qspi_status qnor_wait(struct qnor *n);
qspi_status qnor_erase_range(struct qnor *n, uint32_t off, uint32_t len);   /* every subsector touched */
qspi_status qnor_program(struct qnor *n, uint32_t off, const uint8_t *d, uint32_t len);
qspi_status qnor_erase_chip(struct qnor *n);
qspi_status qnor_map(const struct qnor *n);   /* memory-mapped reads at the QUADSPI window */

#endif
