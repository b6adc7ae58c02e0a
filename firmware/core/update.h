/* Self-update commands (protocol.h CMD_STAGE, CMD_UPDATE_BL): the new bootloader is staged in RAM, then
 * checked (CRC, signature on a release bootloader, the board's own checks) before the board rewrites its
 * own sector. */
#ifndef CORE_UPDATE_H
#define CORE_UPDATE_H

#include <stdint.h>
#include "protocol.h"

void update_stage(const uint8_t *p, uint16_t len, struct proto_status *st);
/* Returns 1 when the update may start (after the reply left); *out_len: the bytes to write. */
int update_check(const uint8_t *p, uint16_t len, struct proto_status *st, uint32_t *out_len);

#endif
