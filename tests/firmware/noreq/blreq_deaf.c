/* blreq.h for an application that does not link the bootloader request: nothing it receives is ever a
 * request, so the host's HELLO leaves it running. */
#include "blreq.h"

int blreq_feed(struct blreq *r, uint8_t c)
{
    (void)r;
    (void)c;
    return 0;
}

void blreq_enter(uint32_t handoff_addr, uint32_t stay_value)
{
    (void)handoff_addr;
    (void)stay_value;
    for (;;) {
    }
}
