"""cffi build of stm32boot._inflate: the bootloader's raw DEFLATE decoder (native/inflate.c, the very file
the firmware links) for the host. For tests only: they feed it Python zlib's output and damaged streams.
Built with the undefined-behaviour sanitizer (array bounds, shifts, overflow) trapping on the first report."""
import os
import sys

from cffi import FFI

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import NATIVE, build, macro_names  # noqa: E402

MODULE = "stm32boot._inflate"
HEADER = os.path.join(NATIVE, "inflate.h")

ffibuilder = FFI()
ffibuilder.cdef("\n".join(f"#define {n} ..." for n in macro_names([HEADER]) if n.startswith("INFL_")) + """
struct inflater { void (*poll)(void); size_t out_len; ...; };
int inflate_raw(struct inflater *s, const void *in, size_t in_len, void *out, size_t out_cap, size_t *out_len);
""")
ffibuilder.set_source(
    MODULE,
    '#include "inflate.h"\n',
    sources=[os.path.join(NATIVE, "inflate.c")],
    include_dirs=[NATIVE],
    extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined",
                        "-fno-sanitize-recover=all"],
    extra_link_args=["-fsanitize=undefined"],
)

if __name__ == "__main__":
    build(ffibuilder, MODULE)
