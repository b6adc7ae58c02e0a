/* core/verify.c on the host (native/ffi_verify.py): the board functions it needs, in RAM, so tests can
 * feed the bootloader's own image checks any bytes. Deliberately not including verify.h: the key is
 * writable here (tests set it), const in the firmware. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "flashdev.h"

uint8_t vb_public_key[32];
static uint32_t counter;

uint32_t port_seccnt_get(void) { return counter; }
int port_seccnt_raise(uint32_t n) { counter = n; return 0; }
int port_keep_for_update(uint8_t *stage, uint32_t *len, uint32_t stage_size)
{
    (void)stage; (void)stage_size;
    return *len <= 0x1E000u ? 0 : -1;   /* a board's limit: the code must leave the counter log room */
}
const struct flashdev *const *port_mems(unsigned *n) { *n = 0; return 0; }
void vb_host_set_key(const uint8_t key[32]) { memcpy(vb_public_key, key, 32); }
