/* CMD_STAGE and the checks of CMD_UPDATE_BL (update.h). The rewrite itself is the board's
 * (port_update_bootloader), after the reply left. */
#include <string.h>
#include "frame.h"
#include "flashdev.h"
#include "le.h"
#include "port.h"
#include "update.h"
#include "verify.h"

void update_stage(const uint8_t *p, uint16_t len, struct proto_status *st)
{
    uint32_t size;
    uint8_t *stage = port_stage(&size);
    if (!stage) { st->status = ST_BAD_CMD; return; }
    if (len <= sizeof(struct proto_write_req)) { st->status = ST_BAD_LEN; return; }
    uint32_t off = rd32(p), n = len - sizeof(struct proto_write_req);
    if (off > size || n > size - off) { st->status = ST_ADDR_OUT_OF_RANGE; st->addr = off; st->detail = size; return; }
    memcpy(stage + off, p + sizeof(struct proto_write_req), n);
    st->status = ST_OK;
}

int update_check(const uint8_t *p, uint16_t len, struct proto_status *st, uint32_t *out_len)
{
    uint32_t size;
    const uint8_t *stage = port_stage(&size);
    if (!stage) { st->status = ST_BAD_CMD; return 0; }
    if (len != sizeof(struct proto_update_req)) { st->status = ST_BAD_LEN; return 0; }
    uint32_t n = rd32(p), want = rd32(p + 4);
    if (n == 0 || n > size) { st->status = ST_BAD_IMAGE; st->detail = size; return 0; }
    uint32_t got = crc32_steps(0xFFFFFFFFu, stage, n, fd_idle);
    if (got != want) { st->status = ST_BAD_IMAGE; st->detail = got; return 0; }
    int vb = vb_check_update((uint8_t *)stage, &n, size);   /* release: signed, same key, not older */
    if (vb != BOOT_VERIFIED) { st->status = ST_BAD_IMAGE; st->addr = 0; st->detail = (uint32_t)vb; return 0; }
    *out_len = n;
    st->status = (uint8_t)port_check_bootloader(stage, n);
    return st->status == ST_OK;
}
