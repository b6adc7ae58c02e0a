/* The bootloader's identity record (protocol.h struct proto_ident): what `update-bootloader` checks in an
 * image before replacing a board's bootloader with it; also the board name HELLO reports. */
#include "protocol.h"
#include "bl.h"

const struct proto_ident bl_ident __attribute__((used)) = {
    PROTO_IDENT_MAGIC0, PROTO_IDENT_MAGIC1, PROTO_VERSION, BL_VERSION, "f746",
};
