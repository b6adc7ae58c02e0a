/* QUADSPI controller driver, STM32F7 (RM0385 §13). One bank, configured once (qspi_init); every
 * command starts through one helper that leaves memory-mapped mode first (ABORT, §13.3.6: CCR/AR
 * cannot change while the prefetch keeps BUSY=1) and waits for BUSY=0. Every wait has a deadline on
 * the DWT cycle counter. */
#ifndef DRIVERS_F7_QSPI_H
#define DRIVERS_F7_QSPI_H

#include <stdint.h>

typedef enum {
    QSPI_OK = 0,
    QSPI_BUSY,        /* an operation started and is not finished yet (nor_poll) */
    QSPI_E_TIMEOUT,   /* a flag never came; SR in qspi_sr() */
    QSPI_E_TRANSFER,  /* TEF: access beyond FSIZE or a transfer error */
    QSPI_E_PARAM,
    QSPI_E_DEVICE,    /* the device reported an error (program/erase/protection) */
    QSPI_E_UNKNOWN_ID /* JEDEC ID of no supported part */
} qspi_status;

/* Lines per phase: 0 (phase absent), 1, 2, 4 (encoded as the CCR's xMODE field). */
struct qspi_cmd {
    uint8_t ins;
    uint8_t ins_lines;
    uint8_t addr_lines;    /* 24-bit addresses */
    uint8_t alt_lines;     /* one alternate byte (`alt`) when non-zero */
    uint8_t alt;
    uint8_t dummy;         /* dummy cycles between address/alternate and data */
    uint8_t data_lines;
};

struct qspi_config {
    uint32_t hclk_hz;      /* QUADSPI kernel clock = AHB clock (RM0385 §13.2) */
    uint8_t prescaler;     /* CLK = HCLK / (prescaler + 1) */
    uint8_t size_log2;     /* device size = 2^size_log2 bytes (DCR.FSIZE = size_log2 - 1) */
    uint8_t cs_high;       /* minimum NCS high time in CLK cycles (DCR.CSHT + 1) */
};

void qspi_init(const struct qspi_config *c);   /* reset, configure, enable; call once at boot */
/* Only the time base, for code that finds the controller already configured (an external loader's
 * calls after Init). */
void qspi_set_clock(uint32_t hclk_hz);
uint32_t qspi_sr(void);                        /* the controller's status register (for reports) */
uint32_t qspi_us_to_cycles(uint32_t us);
uint32_t qspi_cycles(void);                    /* DWT cycle counter: the drivers' time base */
int qspi_is_mapped(void);

/* A command without data (instruction, optional address). */
qspi_status qspi_command(const struct qspi_cmd *c, uint32_t addr);
qspi_status qspi_read(const struct qspi_cmd *c, uint32_t addr, uint8_t *out, uint32_t n);
qspi_status qspi_write(const struct qspi_cmd *c, uint32_t addr, const uint8_t *in, uint32_t n);
/* Automatic status polling (§13.3.5): the controller sends `c` (a one-byte status read) every
 * `interval` CLK cycles until (status & mask) == match, then stops (APMS). qspi_autopoll_done() reads
 * SR once: 1 when matched (the flag cleared, the last status in *status), 0 while still polling. */
qspi_status qspi_autopoll_start(const struct qspi_cmd *c, uint8_t mask, uint8_t match, uint16_t interval);
int qspi_autopoll_done(uint8_t *status);
/* Memory-mapped mode with the read command `c`; the window at 0x90000000 then reads the device. */
qspi_status qspi_map(const struct qspi_cmd *c);
/* Leave memory-mapped mode (ABORT); nothing else of the configuration changes. */
qspi_status qspi_unmap(void);

#endif
