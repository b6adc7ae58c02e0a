/* OCTOSPI controller driver: indirect command/read/write, automatic status polling, memory-mapped
 * mode. Register level, polling only, no interrupts. Every wait is bounded by a deadline counted
 * on the DWT cycle counter (deadline_t in clock.h), so a silent device yields OSPI_E_TIMEOUT, never a hang.
 * Device framing (opcodes, line counts, DTR) is the caller's: see mx25lm.h.
 */
#ifndef DRIVERS_H7_OCTOSPI_H
#define DRIVERS_H7_OCTOSPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register map: RM0468, OCTOSPI registers. */
#include "mmio.h"
#include "stm32h7/octospi_regs.h"

/* One status enum for octospi, ospim and mx25lm. */
typedef enum {
    OSPI_OK = 0,
    OSPI_E_TIMEOUT,   /* a flag (BUSY, FTF, TCF, SMF, WIP) did not come within its deadline */
    OSPI_E_TRANSFER,  /* SR.TEF: address outside DEVSIZE */
    OSPI_E_PARAM,     /* bad argument (length 0, odd DTR address/length, out of range) */
    OSPI_E_ACTIVE,    /* OSPIM: refused, an OCTOSPI is enabled or memory-mapped */
    NOR_E_ID,         /* JEDEC ID is not the expected part */
    NOR_E_MODE,       /* CR2 read back does not show the mode we switched to */
    NOR_E_WEL,        /* write enable latch did not set */
    NOR_E_FAIL,       /* security register P_FAIL/E_FAIL after program/erase */
    OSPI_BUSY,        /* non-blocking calls: not finished yet, poll again (not an error) */
} ospi_status;

/* One command as the controller sees it: CCR phases (built with the OSPI_CCR_* helpers below),
 * the dummy cycles, instruction and address values, and the data length (0 = no data phase). */
struct ospi_cmd {
    uint32_t ccr;
    uint32_t tcr;     /* DCYC | DHQC */
    uint32_t instr;
    uint32_t addr;
    uint32_t len;
};


/* Controller configuration written with EN=0 then re-enabled (FMODE indirect write). */
struct ospi_dev_cfg {
    uint32_t dcr1, dcr2, dcr3, dcr4;
    uint8_t fthres;   /* FTF threshold - 1 */
};
ospi_status ospi_setup(uintptr_t base, const struct ospi_dev_cfg *cfg);
void ospi_disable(uintptr_t base);

bool ospi_is_enabled(uintptr_t base);
bool ospi_is_mapped(uintptr_t base);

/* Leave memory-mapped mode / stop any transfer (ABORT, wait TCF and BUSY=0). */
ospi_status ospi_abort(uintptr_t base);

ospi_status ospi_command(uintptr_t base, const struct ospi_cmd *c);                  /* no data */
ospi_status ospi_read(uintptr_t base, const struct ospi_cmd *c, uint8_t *buf);        /* c->len bytes */
ospi_status ospi_write(uintptr_t base, const struct ospi_cmd *c, const uint8_t *buf); /* c->len bytes */

/* Automatic status polling: until (status & mask) == match, reading every `interval` CLK cycles. */
ospi_status ospi_autopoll(uintptr_t base, const struct ospi_cmd *c, uint32_t match, uint32_t mask,
                          uint16_t interval, uint32_t timeout_us);
/* The same without waiting: _start programs the controller, which then reads the status by itself
 * while the CPU does other work; _check looks once (OSPI_BUSY: no match yet; OSPI_OK: matched, the
 * controller is idle again). The caller keeps the deadline and calls ospi_abort() when it gives up. */
ospi_status ospi_autopoll_start(uintptr_t base, const struct ospi_cmd *c, uint32_t match, uint32_t mask,
                                uint16_t interval);
ospi_status ospi_autopoll_check(uintptr_t base);

/* Memory-mapped mode with `rd` as the read command. wr == NULL leaves WCCR/WIR at 0, so the window
 * stays read-only (a write there bus-faults instead of sending an unintended command). */
ospi_status ospi_memory_map(uintptr_t base, const struct ospi_cmd *rd, const struct ospi_cmd *wr);

/* Status snapshot for error reports. */
uint32_t ospi_sr(uintptr_t base);

/* CCR builders: lines are OCTOSPI_LINES_*, sizes OCTOSPI_SIZE_*. */
#define OSPI_CCR_INSTR(lines, size, dtr) \
    (((uint32_t)(lines) << 0) | ((uint32_t)(size) << 4) | ((dtr) ? (1u << 3) : 0u))
#define OSPI_CCR_ADDR(lines, size, dtr) \
    (((uint32_t)(lines) << 8) | ((uint32_t)(size) << 12) | ((dtr) ? (1u << 11) : 0u))
#define OSPI_CCR_DATA(lines, dtr, dqs) \
    (((uint32_t)(lines) << 24) | ((dtr) ? (1u << 27) : 0u) | ((dqs) ? (1u << 29) : 0u))

/* Default timeouts (µs) for controller-level waits: bytes move in micro-seconds. */
#define OSPI_TIMEOUT_XFER_US 10000u

#endif
