/* Test-side controls of the host port (see port_host.c); also the cdef of stm32boot._protocol. */
#ifndef CORE_PORT_HOST_H
#define CORE_PORT_HOST_H
#include <stddef.h>
#include <stdint.h>

/* CFFI-BEGIN */
void hp_init(void);
void hp_set_board(const char *name);   /* the name HELLO reports (default: the builder's HOST_PORT_BOARD) */
void hp_set_chip_id(uint32_t id);       /* the DBGMCU_IDCODE HELLO reports (default: HOST_PORT_CHIP_ID) */
/* sector_runs: n_runs pairs (count, size) in address order; the memory's size is their sum */
int hp_add_mem(const char *name, uint32_t base, const uint32_t *sector_runs, int n_runs, uint32_t protected_size,
               uint16_t program_unit, uint16_t page_size, uint8_t erased, uint8_t kind);
int hp_set_erase_units(int i, uint32_t block_size, uint8_t chip_erase);  /* give memory i block/chip erase */
void hp_unit_erases(uint32_t out[2]);   /* erase_unit calls so far: [0] blocks, [1] whole memories */
uint8_t *hp_mem(int i);
void hp_rx(const uint8_t *data, size_t n);
/* port_uart_peek's runs end where a ring of `size` bytes would wrap, counted from hp_init's first byte, as
 * a board's DMA ring cuts them (0, hp_init's: only the queue's own end, 1 MB). */
void hp_set_rx_wrap(uint32_t size);
size_t hp_tx(uint8_t *out, size_t max);
void hp_poll(int n);
void hp_set_millis(uint32_t ms);
void hp_counters(uint32_t out[8]);
int hp_host_seen(void);
int hp_app_committed(void);   /* core/apprec.h: the record is valid */
uint32_t crc32_mpeg2(uint32_t crc, const void *data, size_t len);  /* native/crc32.c, same as firmware */
/* CFFI-END */

#endif
