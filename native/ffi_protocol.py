"""cffi build of stm32boot._protocol: the wire format of firmware/core/protocol.h for the host, and the
bootloader's portable core (firmware/core/*.c) compiled for the host with a RAM port, so the tests can talk
to the very C code that runs on the board.

The constants, enums and packed structs are read from protocol.h itself (between CFFI-BEGIN/CFFI-END);
every `#define NAME value` becomes `#define NAME ...` so the C compiler supplies the value, and cffi checks
the struct layouts against the compiler's: the host can never drift from the firmware.
"""
import os
import sys

from cffi import FFI

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import ROOT, build, header_region  # noqa: E402

MODULE = "stm32boot._protocol"
CORE = os.path.join(ROOT, "firmware", "core")

# The host port stands in for the registry's default board: its name and its chip's DEV_ID (revision 0).
sys.path.insert(0, os.path.join(ROOT, "host"))
from stm32boot import boards  # noqa: E402

sys.path.pop(0)
STAND_IN = boards.get(boards.DEFAULT)


ffibuilder = FFI()
ffibuilder.cdef(header_region(os.path.join(CORE, "protocol.h")).replace("PROTO_PACKED", ""), packed=True)
ffibuilder.cdef(header_region(os.path.join(CORE, "host", "port_host.h")))
ffibuilder.set_source(
    MODULE,
    '#include "protocol.h"\n#include "host/port_host.h"\n',
    sources=[os.path.join(CORE, f) for f in ("frame.c", "bl.c", "memcmd.c", "devq.c", "update.c", "apprec.c", "host/port_host.c")]
    + [os.path.join(ROOT, "native", "crc32.c")]
    + [os.path.join(CORE, "zwrite.c"), os.path.join(ROOT, "native", "inflate.c")],
    include_dirs=[CORE, os.path.join(ROOT, "native")],
    define_macros=[("HOST_PORT_BOARD", f'"{STAND_IN.name}"'), ("HOST_PORT_CHIP_ID", f"0x{STAND_IN.dev_id:X}u")],
    extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror"],
)

if __name__ == "__main__":
    build(ffibuilder, MODULE)
