/* CMD_WRITE_Z: see zwrite.h. Every frame decodes on its own (protocol.h, compressed writes), so a
 * resent or lost frame never involves decoder state from another: the state below is scratch. */
#include <string.h>
#include "zwrite.h"
#include "flashdev.h"
#include "inflate.h"
#include "le.h"
#include "memcmd.h"

static struct inflater z;
/* The decoded request as CMD_WRITE carries it: proto_write_req, then the data. */
static uint8_t req[sizeof(struct proto_write_req) + PROTO_MAX_DATA] __attribute__((aligned(4)));

void zwrite(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    if (len <= sizeof(struct proto_write_req)) {
        st->status = ST_BAD_LEN;
        return;
    }
    size_t n = 0;
    z.poll = fd_idle;   /* keep receiving the next frames while this one decodes */
    int e = inflate_raw(&z, p + sizeof(struct proto_write_req), len - sizeof(struct proto_write_req),
                        req + sizeof(struct proto_write_req), PROTO_MAX_DATA, &n);
    if (e != INFL_OK) {
        st->status = ST_BAD_DATA;
        st->addr = rd32(p);
        st->detail = (uint32_t)-e;
        return;
    }
    memcpy(req, p, sizeof(struct proto_write_req));
    memcmd_write(req, (uint16_t)(sizeof(struct proto_write_req) + n), st);
}
