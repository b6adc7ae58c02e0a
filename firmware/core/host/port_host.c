/* A host implementation of core/port.h: the real bootloader core runs inside the Python tests
 * (stm32boot._protocol), with byte queues in place of the UART and RAM in place of flash. Semantics kept
 * from the silicon that matter to the protocol: programming needs erased cells (internal flash words are
 * written once; NOR bits only go 1 -> 0), erase fills a sector with the erased value. */
#include <stdlib.h>
#include <string.h>
#include "port_host.h"
#include "../bl.h"
#include "../port.h"
#include "../protocol.h"
#include "crc32.h"

#define QSIZE (1u << 20)

static struct { uint8_t buf[QSIZE]; uint32_t rd, wr; } rxq, txq;
static struct flashdev devs[PROTO_MAX_MEMS];
static const struct flashdev *devp[PROTO_MAX_MEMS];
static uint8_t *store[PROTO_MAX_MEMS];
static unsigned ndev;
static char names[PROTO_MAX_MEMS][8];
static struct proto_run runs[PROTO_MAX_MEMS][PROTO_MAX_RUNS];
static uint32_t now_ms, baud = PROTO_DEFAULT_BAUD, resets, last_run_app, erases, programs, idle_calls;
static uint32_t rx_wrap;          /* hp_set_rx_wrap */
static uint32_t unit_erases[2];   /* [0] block commands, [1] whole-memory commands */

static uint8_t *cell(const struct flashdev *d, uint32_t addr) { return (uint8_t *)d->ctx + (addr - d->base); }

static int h_erase(const struct flashdev *d, uint32_t addr, struct fd_result *r)
{
    (void)r;
    fd_wait();
    memset(cell(d, addr), d->erased, fd_sector_at(d, addr));
    erases++;
    return ST_OK;
}

static int h_program(const struct flashdev *d, uint32_t addr, const uint8_t *data, uint32_t len,
                     struct fd_result *r)
{
    uint8_t *c = cell(d, addr);
    for (uint32_t i = 0; i < len; i++) {
        if (d->kind == PROTO_MEM_INTERNAL ? c[i] != d->erased : (c[i] & data[i]) != data[i]) {
            r->addr = addr + i;
            r->detail = c[i];
            return ST_NOT_ERASED;
        }
    }
    for (uint32_t i = 0; i < len; i++) {
        c[i] &= data[i];
        if ((i & 255) == 0) fd_wait();  /* like the real drivers: keep receiving while busy */
    }
    programs++;
    return ST_OK;
}

static int h_read(const struct flashdev *d, uint32_t addr, uint8_t *out, uint32_t len, struct fd_result *r)
{
    (void)r;
    memcpy(out, cell(d, addr), len);
    return ST_OK;
}

static int h_crc(const struct flashdev *d, uint32_t addr, uint32_t len, uint32_t *crc, struct fd_result *r)
{
    (void)r;
    *crc = crc32_mpeg2(0xFFFFFFFFu, cell(d, addr), len);
    return ST_OK;
}

/* A NOR-like block or chip erase: one command, counted apart from sector erases. */
static int h_erase_unit(const struct flashdev *d, uint32_t addr, uint32_t size, struct fd_result *r)
{
    (void)r;
    fd_wait();
    memset(cell(d, addr), d->erased, size);
    unit_erases[size == d->size]++;
    return ST_OK;
}

static const struct flashdev_ops host_ops = { h_erase, h_program, h_read, h_crc, 0, 0, 0, 0, 0, 0 };
static const struct flashdev_ops host_unit_ops = { h_erase, h_program, h_read, h_crc, h_erase_unit, 0, 0, 0, 0, 0 };
static uint8_t rec_store[4096];   /* the application record's sector (end of file) */

void hp_init(void)
{
    for (unsigned i = 0; i < ndev; i++) free(store[i]);
    ndev = 0;
    rxq.rd = rxq.wr = txq.rd = txq.wr = 0;
    rx_wrap = 0;
    now_ms = 0;
    baud = PROTO_DEFAULT_BAUD;
    resets = erases = programs = idle_calls = 0;
    unit_erases[0] = unit_erases[1] = 0;
    memset(rec_store, 0xFF, sizeof rec_store);
    bl_init();
}

int hp_add_mem(const char *name, uint32_t base, const uint32_t *sector_runs, int n_runs, uint32_t protected_size,
               uint16_t program_unit, uint16_t page_size, uint8_t erased, uint8_t kind)
{
    if (ndev == PROTO_MAX_MEMS || n_runs < 1 || n_runs > PROTO_MAX_RUNS) return -1;
    struct flashdev *d = &devs[ndev];
    uint32_t size = 0;
    for (int i = 0; i < n_runs; i++) {
        runs[ndev][i] = (struct proto_run){ sector_runs[2 * i], sector_runs[2 * i + 1] };
        size += sector_runs[2 * i] * sector_runs[2 * i + 1];
    }
    store[ndev] = malloc(size);
    if (!store[ndev]) return -1;
    memset(store[ndev], erased, size);
    strncpy(names[ndev], name, sizeof names[ndev] - 1);
    *d = (struct flashdev){ .name = names[ndev], .base = base, .size = size, .runs = runs[ndev],
                            .n_runs = (uint8_t)n_runs, .protected_size = protected_size,
                            .program_unit = program_unit, .page_size = page_size, .erased = erased,
                            .kind = kind, .ops = &host_ops, .ctx = store[ndev] };
    devp[ndev] = d;
    return (int)ndev++;
}

int hp_set_erase_units(int i, uint32_t block_size, uint8_t chip_erase)
{
    if (i < 0 || (unsigned)i >= ndev) return -1;
    devs[i].block_size = block_size;
    devs[i].chip_erase = chip_erase;
    devs[i].ops = block_size || chip_erase ? &host_unit_ops : &host_ops;
    return 0;
}

void hp_unit_erases(uint32_t out[2]) { out[0] = unit_erases[0]; out[1] = unit_erases[1]; }

uint8_t *hp_mem(int i) { return store[i]; }

void hp_set_rx_wrap(uint32_t size) { rx_wrap = size; }

void hp_rx(const uint8_t *data, size_t n)
{
    for (size_t i = 0; i < n; i++) { rxq.buf[rxq.wr % QSIZE] = data[i]; rxq.wr++; }
}

size_t hp_tx(uint8_t *out, size_t max)
{
    size_t n = 0;
    while (n < max && txq.rd != txq.wr) out[n++] = txq.buf[txq.rd++ % QSIZE];
    return n;
}

void hp_poll(int n)
{
    while (n-- > 0) bl_poll();
}

void hp_set_millis(uint32_t ms) { now_ms = ms; }

void hp_counters(uint32_t out[8])
{
    uint32_t s[3];
    bl_stats(s);
    out[0] = s[0]; out[1] = s[1]; out[2] = s[2];
    out[3] = resets; out[4] = last_run_app; out[5] = erases; out[6] = programs; out[7] = baud;
}

int hp_host_seen(void) { return bl_host_seen(); }

/* core/port.h */
const uint8_t *port_uart_peek(uint32_t *n)
{
    uint32_t at = rxq.rd % QSIZE, run = rxq.wr - rxq.rd;
    if (run > QSIZE - at) run = QSIZE - at;
    if (rx_wrap && run > rx_wrap - rxq.rd % rx_wrap) run = rx_wrap - rxq.rd % rx_wrap;
    *n = run;
    return rxq.buf + at;
}
void port_uart_consume(uint32_t n) { rxq.rd += n; }
void port_idle(uint32_t want) { (void)want; }
int port_uart_putc(uint8_t c) { txq.buf[txq.wr++ % QSIZE] = c; return 1; }
void port_uart_flush(void) {}
uint32_t port_uart_set_baud(uint32_t b) { if (b > 12500000u) return 0; baud = b; return b; }
uint32_t port_uart_baud(void) { return baud; }
uint32_t port_uart_max_baud(void) { return 12500000u; }
uint32_t port_millis(void) { return now_ms; }
static uint32_t chip_id = HOST_PORT_CHIP_ID;   /* from the builder (native/ffi_protocol.py, the board registry) unless a test sets another */
void hp_set_chip_id(uint32_t id) { chip_id = id; }
uint32_t port_chip_id(void) { return chip_id; }
static char board_name[16] = HOST_PORT_BOARD;   /* the board this host port stands in for, from the builder */
void hp_set_board(const char *name) { strncpy(board_name, name, sizeof board_name - 1); }
const char *port_board_name(void) { return board_name; }
const struct flashdev *const *port_mems(unsigned *n) { *n = ndev; return devp; }
void port_reset(int run_app) { resets++; last_run_app = (uint32_t)run_app; }

static uint8_t stage[128 * 1024];
uint8_t *port_stage(uint32_t *size) { *size = sizeof stage; return stage; }
int port_check_bootloader(const uint8_t *img, uint32_t len) { (void)img; return len >= 8 ? ST_OK : ST_BAD_IMAGE; }
/* Host port: the "updater" copies the stage over the start of memory 0 (the protected area). */
void port_update_bootloader(uint32_t len)
{
    if (ndev) memcpy(store[0], stage, len);
    resets++;
    bl_init();
}

/* The application record (core/apprec.h) in a 4 KB NOR-like sector of its own, outside every memory. */
static const struct proto_run rec_run = { 1, sizeof rec_store };
static const struct flashdev rec_dev = { .name = "rec", .base = 0xF0000000u, .size = sizeof rec_store,
                                         .runs = &rec_run, .n_runs = 1, .program_unit = 2, .page_size = 256,
                                         .erased = 0xFF, .kind = PROTO_MEM_EXTERNAL_NOR, .ops = &host_ops,
                                         .ctx = rec_store };
const struct flashdev *port_app_record(uint32_t *addr) { *addr = rec_dev.base; return &rec_dev; }
int hp_app_committed(void) { return bl_app_committed(); }
