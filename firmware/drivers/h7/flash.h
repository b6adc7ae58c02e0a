/* Internal flash programming (RM0468, FLASH chapter): single bank, 8 x 128 KB sectors, 32-byte flash words
 * programmed once after erase. Polling, every wait bounded. On an error, flash_last_error() tells which
 * flag and which address. */
#ifndef DRIVERS_H7_FLASH_H
#define DRIVERS_H7_FLASH_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    FLASH_OK = 0,
    FLASH_ERR_LOCKED,    /* CR.LOCK still set after the key sequence: a wrong key locked it until reset */
    FLASH_ERR_TIMEOUT,   /* SR.QW did not clear in time */
    FLASH_ERR_WRP,       /* SR.WRPERR: sector is write-protected */
    FLASH_ERR_PGS,       /* SR.PGSERR: programming sequence error */
    FLASH_ERR_STRB,      /* SR.STRBERR: a byte of the write buffer written twice */
    FLASH_ERR_INC,       /* SR.INCERR: writes to two flash words without completing the first */
    FLASH_ERR_OP,        /* SR.OPERR */
    FLASH_ERR_RDP,       /* SR.RDPERR / RDSERR: protected area */
    FLASH_ERR_ECC,       /* SR.SNECCERR / DBECCERR */
    FLASH_ERR_ALIGN,     /* address not on a 32-byte flash word */
    FLASH_ERR_RANGE,     /* outside the 1 MB internal flash, or bad sector number */
    FLASH_ERR_VERIFY,    /* read-back differs from what was programmed */
    FLASH_BUSY,          /* flash_poll(): the operation is still running (not an error) */
} flash_status_t;

typedef struct {
    flash_status_t status;
    uint32_t addr;       /* flash word or sector base where it failed */
    uint32_t sr;         /* raw FLASH_SR at the failure */
} flash_error_t;

flash_status_t flash_unlock(void);
void flash_lock(void);
/* Parallelism for erase/program speed: 0 x8, 1 x16, 2 x32 (default), 3 x64. */
void flash_set_psize(unsigned psize);
flash_status_t flash_erase_sector(unsigned sector);
flash_status_t flash_erase_bank(void);
/* Programs len bytes at addr (32-byte aligned); a trailing partial flash word is padded with 0xFF.
 * data may be unaligned. Read-back verified. */
flash_status_t flash_program(uint32_t addr, const void *data, size_t len);
/* Non-blocking forms (the blocking calls above are these + flash_poll until done). _start checks
 * its arguments and starts the operation; flash_poll() then reads SR once per call and returns
 * FLASH_BUSY until the end, then FLASH_OK or the error (QW timeout against the operation's maximum,
 * an SR error flag, or a read-back mismatch for a flash word). One operation at a time.
 * program_word: one 32-byte flash word at a 32-byte aligned addr; data may be unaligned (copied). */
flash_status_t flash_erase_sector_start(unsigned sector);
flash_status_t flash_program_word_start(uint32_t addr, const void *data);
flash_status_t flash_poll(void);
/* CR.PG stays set from one flash word to the next: clears it after the last word of a run (the blocking
 * flash_program, an erase and a failed word do it themselves). */
void flash_program_end(void);
const flash_error_t *flash_last_error(void);
const char *flash_strerror(flash_status_t s);
/* Clears every error flag in SR (CCR) */
void flash_clear_errors(void);

#endif
