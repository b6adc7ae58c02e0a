/* The MX25LM51245G octal NOR as a flashdev: a thin adapter over the shared OCTOSPI/MX25LM driver
 * (drivers/h7/, wired by mx25lm_h735dk.c), the same sources the external loader uses. The driver brings
 * the chip up, frames every command and maps it; this file uses its non-blocking erase/program (start +
 * poll) and serves the UART (fd_wait) between polls: at 8 Mbaud the UART would overrun during a blocking
 * wait. */
#include <stdint.h>

#include "board.h"
#include "drivers/h7/mx25lm.h"
#include "mx25lm_h735dk.h"
#include "port.h"
#include "protocol.h"

static struct mx25lm nor;
static int ready;

static int fail(int st, uint32_t addr, struct fd_result *r)
{
    r->addr = addr;
    r->detail = ospi_sr(nor.ospi);
    return st;
}

/* Wait for the operation `st` started, keeping the UART served; map the driver's status. */
static int finish(ospi_status st, uint32_t addr, struct fd_result *r)
{
    if (st == OSPI_OK)
        while ((st = mx25lm_poll(&nor)) == MX25LM_BUSY)
            fd_wait();
    if (st == OSPI_OK) return ST_OK;
    return fail(st == OSPI_E_TIMEOUT ? ST_DEVICE_TIMEOUT : ST_TRANSFER_ERROR, addr, r);
}

static int n_erase(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    if (!ready) return fail(ST_TRANSFER_ERROR, addr, r);
    return finish(mx25lm_erase_4k_start(&nor, addr - d->base), addr, r);
}

/* One block (64 KB, BE4B) or the whole chip (CE): the bootloader core picks them (flashdev.h). */
static int n_erase_unit(const struct flashdev *d, uint32_t addr, uint32_t size, struct fd_result *r)
{
    if (!ready) return fail(ST_TRANSFER_ERROR, addr, r);
    if (size == d->size) return finish(mx25lm_erase_chip_start(&nor), addr, r);
    return finish(mx25lm_erase_64k_start(&nor, addr - d->base), addr, r);
}

static int n_program(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                     struct fd_result *r)
{
    if (!ready) return fail(ST_TRANSFER_ERROR, addr, r);
    while (len) {   /* program_unit 2 keeps every piece even, as DTR needs (RM0468, OCTOSPI) */
        uint32_t off = addr - d->base;
        uint32_t room = MX25LM_PAGE - (off & (MX25LM_PAGE - 1u));
        uint32_t n = len < room ? len : room;
        int s = finish(mx25lm_program_page_start(&nor, off, data, n), addr, r);
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
    if (!ospi_is_mapped(nor.ospi) && mx25lm_map(&nor) != OSPI_OK) return fail(ST_TRANSFER_ERROR, addr, r);
    return ST_OK;
}

int board_nor_init(void)
{
    ready = h735dk_nor_init(&nor) == OSPI_OK && mx25lm_map(&nor) == OSPI_OK;
    return ready ? 0 : -1;
}

void board_nor_map(void)
{
    if (ready && !ospi_is_mapped(nor.ospi)) (void)mx25lm_map(&nor);
}

static const struct flashdev_ops ops = {n_erase, n_program, fd_mapped_read, fd_mapped_crc, n_erase_unit,
                                        0, 0, 0, n_map, 0};

/* The NOR's last 4 KB sector holds the application record (core/apprec.h): the smallest erasable unit on
 * this board (internal flash erases 128 KB), so it is left out of the memory the host may write. */
static const struct proto_run RUNS[] = {{MX25LM_SIZE / MX25LM_SECTOR - 1u, MX25LM_SECTOR}};

const struct flashdev nor_dev = {
    .name = "nor", .base = H735DK_NOR_WINDOW, .size = MX25LM_SIZE - MX25LM_SECTOR, .runs = RUNS, .n_runs = 1,
    .protected_size = 0, .program_unit = 2, .page_size = MX25LM_PAGE, .erased = 0xFF,
    .kind = PROTO_MEM_EXTERNAL_NOR, .ops = &ops, .ctx = 0, .block_size = MX25LM_BLOCK, .chip_erase = 1,
};

const struct flashdev *port_app_record(uint32_t *addr)
{
    *addr = H735DK_NOR_WINDOW + MX25LM_SIZE - MX25LM_SECTOR;
    return &nor_dev;
}
