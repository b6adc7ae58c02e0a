/* CMD_WRITE_Z (protocol.h): a WRITE whose data arrive as one raw DEFLATE stream. */
#ifndef CORE_ZWRITE_H
#define CORE_ZWRITE_H

#include <stdint.h>
#include "protocol.h"

/* Decode the stream (native/inflate.c) into at most PROTO_MAX_DATA bytes, then the very write of
 * CMD_WRITE (memcmd_write): same checks, statuses, verification and application-record rule. A stream
 * that does not decode within that limit writes nothing and answers ST_BAD_DATA. */
void zwrite(const uint8_t *p, uint16_t len, struct proto_status *st);

#endif
