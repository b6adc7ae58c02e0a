/* The memory commands of protocol.h (MEMORY, ERASE, WRITE, READ, CRC, COMMIT) over the board's flashdevs.
 * Each takes the request payload (p, len), fills *st (status, failing address, detail) and, for the
 * commands that answer data, writes it to `out` (the reply's data area) and returns its length. */
#ifndef CORE_MEMCMD_H
#define CORE_MEMCMD_H

#include <stdint.h>
#include "protocol.h"

uint16_t memcmd_memory(const uint8_t *p, uint16_t len, struct proto_status *st, uint8_t *out);
void memcmd_erase(const uint8_t *p, uint16_t len, struct proto_status *st);
void memcmd_write(const uint8_t *p, uint16_t len, struct proto_status *st);
uint16_t memcmd_read(const uint8_t *p, uint16_t len, struct proto_status *st, uint8_t *out);
uint16_t memcmd_crc(const uint8_t *p, uint16_t len, struct proto_status *st, uint8_t *out);
void memcmd_commit(const uint8_t *p, uint16_t len, struct proto_status *st);

#endif
