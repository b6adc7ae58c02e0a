/* The STM32F7 embedded flash controller (RM0385 §3): unlock, sector erase and 32-bit programming, each
 * started and then polled, so the caller can serve its UART while the controller works. Single-bank
 * devices: a sector number (SNB) per sector in address order. Programming and erase stall any code
 * running from flash (§3.3.x read-while-write is not possible): a caller that must keep working runs
 * from RAM. */
#ifndef DRIVERS_F7_FLASHCTL_H
#define DRIVERS_F7_FLASHCTL_H

#include <stdint.h>

typedef enum {
    FCTL_OK = 0,
    FCTL_BUSY,
    FCTL_E_LOCKED,     /* the key sequence did not unlock CR (a wrong key locks it until reset) */
    FCTL_E_TIMEOUT,
    FCTL_E_WRP,        /* SR.WRPERR: write-protected sector (option bytes nWRP) */
    FCTL_E_PGA,        /* SR.PGAERR: alignment */
    FCTL_E_PGP,        /* SR.PGPERR: parallelism (store size vs PSIZE) */
    FCTL_E_ERS,        /* SR.ERSERR: sequence */
    FCTL_E_OP,         /* SR.OPERR */
} fctl_status;

fctl_status fctl_unlock(void);
void fctl_lock(void);
fctl_status fctl_erase_start(uint32_t sector);              /* SNB; x32 parallelism */
fctl_status fctl_program_start(uint32_t addr, uint32_t word); /* one aligned 32-bit word */
fctl_status fctl_poll(void);                                /* FCTL_BUSY, FCTL_OK or the error */
void fctl_program_end(void);                                 /* clears CR.PG, kept set between words */
uint32_t fctl_last_sr(void);                                /* FLASH_SR when the last error was seen */

#endif
