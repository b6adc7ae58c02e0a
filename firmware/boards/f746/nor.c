/* The board's quad-SPI NOR as a flashdev: a thin adapter over the QUADSPI/NOR drivers (drivers/f7/), the
 * same sources the external loader uses. Erase and program start the operation and then serve the UART
 * (fd_wait) while the device works. A NOR whose JEDEC ID is of no known part is never driven: every op
 * fails with ST_UNKNOWN_DEVICE and the ID in `detail`; otherwise `detail` is the device status (qnor.h:
 * SR, and the N25Q's flag status << 8). Both parts erase 4 KB subsectors (0x20), 64 KB blocks (0xD8) and
 * the whole chip (0xC7) (N25Q128A and W25Q128JV datasheets, command tables). */
#include <stdint.h>

#include "board.h"
#include "drivers/f7/qnor.h"
#include "drivers/f7/qspi.h"
#include "port.h"
#include "protocol.h"
#include "wiring.h"

static struct qnor nor;
static int ready;

#define FSR_PROT_ERR (0x02u << 8)   /* N25Q flag status: protection error (in qnor.status) */

static int fail(int st, uint32_t addr, struct fd_result *r)
{
    r->addr = addr;
    r->detail = nor.part ? nor.status : (uint32_t)nor.id[0] << 16 | (uint32_t)nor.id[1] << 8 | nor.id[2];
    return nor.part ? st : ST_UNKNOWN_DEVICE;
}

/* Driver status -> protocol status (words every chip shares). */
static int status_of(qspi_status st)
{
    switch (st) {
    case QSPI_E_TIMEOUT: return ST_DEVICE_TIMEOUT;
    case QSPI_E_TRANSFER: return ST_TRANSFER_ERROR;
    case QSPI_E_DEVICE: return nor.status & FSR_PROT_ERR ? ST_WRITE_PROTECTED : ST_OPERATION_FAILED;
    case QSPI_E_UNKNOWN_ID: return ST_UNKNOWN_DEVICE;
    case QSPI_E_PARAM: return ST_ALIGN;
    default: return ST_INTERNAL;
    }
}

static int finish(qspi_status st, uint32_t addr, struct fd_result *r)
{
    if (st == QSPI_OK)
        while ((st = qnor_poll(&nor)) == QSPI_BUSY)
            fd_wait();
    if (st == QSPI_OK) return ST_OK;
    return fail(status_of(st), addr, r);
}

static int n_erase(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    if (!ready) return fail(ST_TRANSFER_ERROR, addr, r);
    return finish(qnor_erase_start(&nor, addr - d->base), addr, r);
}

/* One 64 KB block or the whole chip: the bootloader core picks them (flashdev.h). */
static int n_erase_unit(const struct flashdev *d, uint32_t addr, uint32_t size, struct fd_result *r)
{
    if (!ready) return fail(ST_TRANSFER_ERROR, addr, r);
    if (size == d->size) return finish(qnor_erase_chip_start(&nor), addr, r);
    return finish(qnor_erase_block_start(&nor, addr - d->base), addr, r);
}

static int n_program(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                     struct fd_result *r)
{
    if (!ready) return fail(ST_TRANSFER_ERROR, addr, r);
    while (len) {
        uint32_t off = addr - d->base;
        uint32_t room = QNOR_PAGE - (off & (QNOR_PAGE - 1u));
        uint32_t n = len < room ? len : room;
        int s = finish(qnor_program_start(&nor, off, data, n), addr, r);
        if (s != ST_OK) return s;
        addr += n;
        data += n;
        len -= n;
    }
    return ST_OK;
}

static int n_map(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    (void)d;
    if (!ready) return fail(ST_TRANSFER_ERROR, addr, r);
    if (!qspi_is_mapped() && qnor_map(&nor) != QSPI_OK) return fail(ST_TRANSFER_ERROR, addr, r);
    return ST_OK;
}

int board_nor_init(void)
{
    wiring_qspi();   /* the only QUADSPI configuration of this boot */
    ready = qnor_init(&nor) == QSPI_OK && qnor_map(&nor) == QSPI_OK;
    return ready ? 0 : -1;
}

void board_nor_map(void)
{
    if (ready && !qspi_is_mapped()) (void)qnor_map(&nor);
}

static const struct flashdev_ops ops = {n_erase, n_program, fd_mapped_read, fd_mapped_crc, n_erase_unit,
                                        0, 0, 0, n_map, 0};

#define NOR_SIZE (16u * 1024u * 1024u)

static const struct proto_run RUNS[] = {{NOR_SIZE / QNOR_SUBSECTOR - 1u, QNOR_SUBSECTOR}};

/* The last subsector holds the application record (core/apprec.h): not advertised. */
const struct flashdev nor_dev = {
    .name = "nor", .base = F746_NOR_WINDOW, .size = NOR_SIZE - QNOR_SUBSECTOR, .runs = RUNS, .n_runs = 1,
    .protected_size = 0, .program_unit = 1, .page_size = QNOR_PAGE, .erased = 0xFF,
    .kind = PROTO_MEM_EXTERNAL_NOR, .ops = &ops, .ctx = 0, .block_size = QNOR_BLOCK, .chip_erase = 1,
};

const struct flashdev *port_app_record(uint32_t *addr)
{
    *addr = F746_NOR_WINDOW + NOR_SIZE - QNOR_SUBSECTOR;
    return &nor_dev;
}
