/* Flash-device abstraction: one table of ops per memory (a board's boards/<board>/iflash.c and nor.c over
 * its chip's drivers; RAM in the host tests). A memory is runs of equal sectors in address order (an
 * internal flash may have sectors of several sizes). Every op returns an enum proto_st in words every
 * chip shares and fills `fd_result` with the failing address and the controller's raw status register,
 * so the reply can name the cause. Ops block until done but call fd_idle() inside every busy wait, which
 * lets the core keep receiving frames while the device programs (protocol.h: windowing). */
#ifndef CORE_FLASHDEV_H
#define CORE_FLASHDEV_H

#include <stdint.h>

#include "protocol.h"

struct fd_result {
    uint32_t addr;    /* failing address */
    uint32_t detail;  /* the failing controller's raw status register (protocol.h, device errors) */
};

struct flashdev;

struct flashdev_ops {
    int (*erase)(const struct flashdev *d, uint32_t addr, struct fd_result *r);      /* one sector: addr
                                                                                        is a sector start */
    int (*program)(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                   struct fd_result *r);   /* addr/len multiples of program_unit, within one memory */
    int (*read)(const struct flashdev *d, uint32_t addr, uint8_t *out, uint32_t len, struct fd_result *r);
    int (*crc)(const struct flashdev *d, uint32_t addr, uint32_t len, uint32_t *crc, struct fd_result *r);
    /* Optional (NULL: sector by sector): erase [addr, addr + size) with ONE device command, where size is
     * the device's block_size (addr aligned to it) or its whole size (addr == base, only with chip_erase).
     * The core picks the largest unit that covers only sectors the host asked to erase: a NOR erases a
     * 64 KB block in ~9x less time than its 16 sectors one by one (datasheet typical times). */
    int (*erase_unit)(const struct flashdev *d, uint32_t addr, uint32_t size, struct fd_result *r);
    /* Optional, all three or none: the memory works while the CPU does something else. erase_start()
     * starts erasing the sector at addr; program_start() starts programming at addr from data (len bytes,
     * multiples of program_unit) and sets *taken to the bytes it dealt with (what it started plus
     * anything it needs not program, e.g. erased-value words); neither waits. poll() returns FD_BUSY
     * while the operation runs, then its status (ST_OK also when nothing was started). The core then
     * queues the memory's ERASE and WRITE work (devq.h) and serves the other memories meanwhile. */
    int (*erase_start)(const struct flashdev *d, uint32_t addr, struct fd_result *r);
    int (*program_start)(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                         uint32_t *taken, struct fd_result *r);
    int (*poll)(const struct flashdev *d, struct fd_result *r);
    /* Optional: make addr readable by the CPU (a NOR leaves indirect mode for memory-mapped); called by
     * fd_mapped_read/fd_mapped_crc. NULL: always readable (internal flash). */
    int (*map)(const struct flashdev *d, uint32_t addr, struct fd_result *r);
    /* Optional: the background queue has no more work on this memory (its last job ended or the queue was
     * dropped): the device may leave a mode it kept between jobs. */
    void (*queue_done)(const struct flashdev *d);
};

#define FD_BUSY (-1)   /* poll(): still working */

struct flashdev {
    const char *name;
    uint32_t base, size;
    const struct proto_run *runs;   /* sectors in address order, `count` x `size` each; they add up to size
                                       (sent as they are in the CMD_MEMORY reply) */
    uint8_t n_runs;            /* <= PROTO_MAX_RUNS */
    uint32_t protected_size;   /* bytes at base never erased or written (the bootloader's own sectors) */
    uint16_t program_unit, page_size;
    uint8_t erased, kind;      /* PROTO_MEM_* */
    const struct flashdev_ops *ops;
    void *ctx;
    uint32_t block_size;       /* erase unit larger than a sector (ops->erase_unit), 0: none */
    uint8_t chip_erase;        /* 1: ops->erase_unit erases the whole device in one command */
};

/* The size of the sector that starts at addr, 0 when addr is not the first byte of a sector of d. */
static inline uint32_t fd_sector_at(const struct flashdev *d, uint32_t addr)
{
    if (addr < d->base) return 0;
    uint32_t off = addr - d->base;
    for (unsigned i = 0; i < d->n_runs; i++) {
        uint32_t span = d->runs[i].count * d->runs[i].size;
        if (off < span) return off % d->runs[i].size ? 0 : d->runs[i].size;
        off -= span;
    }
    return 0;
}

/* The size of the device's last sectors; the sector past the advertised memory that a board may keep
 * for itself (the application record, apprec.h) has this size. */
static inline uint32_t fd_last_sector(const struct flashdev *d) { return d->runs[d->n_runs - 1].size; }

/* Provided by the core. fd_idle(): drain the UART into the frame receiver; call it between chunks of
 * long computations. fd_wait(): the same, plus port_idle() when nothing came; call it in loops that wait
 * for a device flag (the simulator may then move its clock to the next event, see the STM32 boards' port_idle, drivers/stm32/uart_console.c). */
void fd_idle(void);
void fd_wait(void);
/* CRC-32/MPEG-2 of `len` bytes readable at `addr` (a memory-mapped device), serving the UART between
 * blocks: the CRC op of every memory that the CPU can read directly. */
uint32_t fd_crc_mapped(uint32_t addr, uint32_t len);
/* The read and crc ops of every memory the CPU can read directly: ops->map (if any), then a copy / CRC. */
int fd_mapped_read(const struct flashdev *d, uint32_t addr, uint8_t *out, uint32_t len, struct fd_result *r);
int fd_mapped_crc(const struct flashdev *d, uint32_t addr, uint32_t len, uint32_t *crc, struct fd_result *r);
/* The erase and program ops of a memory that works in the background (ops erase_start, program_start and
 * poll): start, then wait for it with fd_wait(), as often as the data needs. */
int fd_erase_waited(const struct flashdev *d, uint32_t addr, struct fd_result *r);
int fd_program_waited(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                      struct fd_result *r);

#endif
