"""cffi build of the simulator's virtual-clock block hook and MMIO entry points (native/vclock.c, vclock_bus.c) -> stm32boot.sim._vclock."""
import os
import sys

from cffi import FFI

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import NATIVE, build, header_region  # noqa: E402

MODULE = "stm32boot.sim._vclock"

ffibuilder = FFI()
ffibuilder.cdef(header_region(os.path.join(NATIVE, "vclock.h")) + """
extern "Python+C" uint64_t vclock_py_read(void *py, uint64_t addr, unsigned size);
extern "Python+C" void vclock_py_write(void *py, uint64_t addr, unsigned size, uint64_t value);
extern "Python+C" int vclock_py_mem_event(void *py, int type, uint64_t addr, int size, int64_t value);
extern "Python+C" int vclock_py_flash_word(void *py);
extern "Python+C" void vclock_py_flash_flush(void *py);
""")
ffibuilder.set_source(MODULE, '#include "vclock.h"', sources=[os.path.join(NATIVE, f) for f in ("vclock.c", "vclock_bus.c")],
                      include_dirs=[NATIVE], extra_compile_args=["-O2"])

if __name__ == "__main__":
    build(ffibuilder, MODULE)
