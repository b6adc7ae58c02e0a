/* Macronix MX25LM51245G octal NOR (64 MB) on an OCTOSPI (its datasheet; OCTOSPI
 * settings: docs/hardware-notes.md).
 *
 * mx25lm_init() brings the chip from ANY state (SPI, SOPI or DOPI, even busy after an aborted run)
 * to octal DTR (DOPI) with a known dummy-cycle count, verified by reading CR2 back. Afterwards:
 * erase/program in indirect mode, reads through the memory-mapped window (mx25lm_map). Every call
 * that issues a command leaves the controller in indirect mode; call mx25lm_map() to read again.
 * The controller itself must already be clocked, pinned and routed (board file + ospim).
 *
 * Program/erase come in two forms. Non-blocking: mx25lm_*_start() issues the operation and returns;
 * mx25lm_poll() then looks at the chip's status once per call (the controller polls the status
 * register by itself in between) and returns MX25LM_BUSY until the operation ended, so a caller
 * (the bootloader) can serve its UART meanwhile. One operation at a time per struct mx25lm; the
 * deadline lives in the struct, so a stuck chip still ends in OSPI_E_TIMEOUT. Blocking: the plain
 * calls, which are start + poll until done (one framing implementation for both).
 */
#ifndef DRIVERS_H7_MX25LM_H
#define DRIVERS_H7_MX25LM_H

#include "clock.h"
#include "octospi.h"

#define MX25LM_SIZE        (64u * 1024u * 1024u)
#define MX25LM_DEVSIZE     25u          /* 2^(25+1) bytes */
#define MX25LM_PAGE        256u
#define MX25LM_SECTOR      4096u
#define MX25LM_BLOCK       65536u
#define MX25LM_ID0         0xC2u        /* JEDEC ID C2 85 3A */
#define MX25LM_ID1         0x85u
#define MX25LM_ID2         0x3Au
/* Array-read dummy cycles we program into CR2 0x300 and into TCR.DCYC: the two MUST agree, a
 * one-cycle mismatch shifts DTR data by 2 bytes ("first bytes read as 0", docs/hardware-notes.md). 6 cycles =
 * DC code 7, the value ST's board support uses at a 100 MHz bus (docs/hardware-notes.md). */
#define MX25LM_DUMMY       6u

/* Timeouts (µs): ST driver maxima (docs/performance.md). */
#define MX25LM_T_PAGE_US   10000u
#define MX25LM_T_4K_US     400000u
#define MX25LM_T_64K_US    1000000u
#define MX25LM_T_CHIP_US   460000000u
#define MX25LM_T_REG_US    40000u
#define MX25LM_T_RESET_US  100000u

enum mx25lm_mode { MX25LM_SPI = 0, MX25LM_SOPI, MX25LM_DOPI, MX25LM_UNKNOWN };

#define MX25LM_BUSY OSPI_BUSY  /* mx25lm_poll(): operation still running */

struct mx25lm {
    uintptr_t ospi;        /* OCTOSPI register base */
    uint32_t prescaler;    /* DCR2.PRESCALER: bus clock = kernel / (prescaler + 1) */
    enum mx25lm_mode mode; /* framing the chip currently understands */
    /* The operation in flight (private to mx25lm.c): phase, command, page data, deadline. */
    uint8_t phase;
    enum mx25lm_mode mode_after;  /* framing once the command went out (WRCR2 mode switch) */
    uint32_t timeout_us;
    deadline_t deadline;
    struct ospi_cmd cmd;
    uint8_t buf[MX25LM_PAGE];
};

/* Controller setup + reset in all framings + ID check + switch to DOPI + CR2 check. */
ospi_status mx25lm_init(struct mx25lm *n);

/* Describe a chip already in DOPI (e.g. after a previous init) without touching it. */
void mx25lm_attach_dopi(struct mx25lm *n, uintptr_t ospi, uint32_t prescaler);

ospi_status mx25lm_read_id(struct mx25lm *n, uint8_t id[3]);
ospi_status mx25lm_read_cr2(struct mx25lm *n, uint32_t addr, uint8_t *val);
ospi_status mx25lm_wait_ready(struct mx25lm *n, uint32_t timeout_us);

/* Offsets are from the start of the chip (0 .. MX25LM_SIZE). Erase units are aligned down. */
ospi_status mx25lm_erase_4k(struct mx25lm *n, uint32_t off);
ospi_status mx25lm_erase_64k(struct mx25lm *n, uint32_t off);
ospi_status mx25lm_erase_chip(struct mx25lm *n);
/* Erase every 4 KB sector intersecting [off, off+len), with 64 KB block erases where whole. */
ospi_status mx25lm_erase_range(struct mx25lm *n, uint32_t off, uint32_t len);
/* Any address and length: split at 256-byte pages; in DTR, odd starts/ends padded with 0xFF. */
ospi_status mx25lm_program(struct mx25lm *n, uint32_t off, const uint8_t *data, uint32_t len);

/* Non-blocking forms. _start returns an error at once (bad argument, controller failure), else
 * OSPI_OK with the operation running; then call mx25lm_poll() until it is not MX25LM_BUSY: OSPI_OK
 * (done), NOR_E_WEL (write enable did not latch), OSPI_E_TIMEOUT (chip stayed busy past the erase /
 * page maximum) or a controller error. The page data is copied: the caller's buffer may go at once.
 * program_page: at most one page, [off, off+len) must not cross a 256-byte page boundary; in DTR an
 * odd start/end is padded with 0xFF. A page of only 0xFF is skipped (poll returns OSPI_OK). */
ospi_status mx25lm_erase_4k_start(struct mx25lm *n, uint32_t off);
ospi_status mx25lm_erase_64k_start(struct mx25lm *n, uint32_t off);
ospi_status mx25lm_erase_chip_start(struct mx25lm *n);
ospi_status mx25lm_program_page_start(struct mx25lm *n, uint32_t off, const uint8_t *data, uint32_t len);
ospi_status mx25lm_poll(struct mx25lm *n);
/* Stop waiting for the operation in flight (the chip may still finish it). */
void mx25lm_cancel(struct mx25lm *n);

/* Memory-mapped octal DTR read (8DTRD 0xEE11, DQS, MTYP=Macronix, DCYC = MX25LM_DUMMY);
 * no write command is programmed, so the window is read-only. */
ospi_status mx25lm_map(struct mx25lm *n);
ospi_status mx25lm_unmap(struct mx25lm *n);

#endif
