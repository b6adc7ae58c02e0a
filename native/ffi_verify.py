"""cffi build of stm32boot._verify: the release bootloader's image checks (firmware/core/verify.c, with
native/sha256.c and ed25519.c) compiled for the host with RAM stand-ins for the board
(firmware/core/host/verify_host.c). For tests only: they compare its verdicts with the host's checker
on damaged images. The staged-update entry point takes a pointer, so no address mapping is needed."""
import os
import sys

from cffi import FFI

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import NATIVE, ROOT, build  # noqa: E402

MODULE = "stm32boot._verify"
CORE = os.path.join(ROOT, "firmware", "core")

ffibuilder = FFI()
ffibuilder.cdef("""
int vb_check_update(uint8_t *stage, uint32_t *len, uint32_t stage_size);
void vb_host_set_key(const uint8_t key[32]);
""")
ffibuilder.set_source(
    MODULE,
    "#include <stdint.h>\nint vb_check_update(uint8_t *stage, uint32_t *len, uint32_t stage_size);\n"
    "void vb_host_set_key(const uint8_t key[32]);\n",
    sources=[os.path.join(CORE, "verify.c"), os.path.join(CORE, "host", "verify_host.c"),
             os.path.join(NATIVE, "sha256.c"), os.path.join(NATIVE, "fe25519.c"),
             os.path.join(NATIVE, "sc25519.c"), os.path.join(NATIVE, "ed25519.c")],
    include_dirs=[CORE, NATIVE],
    define_macros=[("VB_VERSION", "0x01000000u")],
    extra_compile_args=["-O1", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined",
                        "-fno-sanitize-recover=all"],
    extra_link_args=["-fsanitize=undefined"],
)

if __name__ == "__main__":
    build(ffibuilder, MODULE)
