"""cffi build script for stm32boot._regs_f7: every integer macro of firmware/regs/stm32f7/*.h (the F7 family's
register headers, kept apart because their names mean F7 offsets), as the C compiler sees it.

The register headers are the one source of truth for firmware and simulator; tests/test_regs_match.py checks
each model's declared offsets and fields against these values. Object-like `#define NAME value` lines are
collected (include guards, i.e. empty values, and function-like macros are skipped); cffi's `#define NAME ...`
makes the compiler, not a Python parser, evaluate each expression.
"""
import glob
import os
import re
import sys

from cffi import FFI

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import REGS, build  # noqa: E402

MODULE = "stm32boot._regs_f7"

_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)(?!\()\s+(\S.*?)\s*(?:/\*.*)?$")


def headers() -> list[str]:
    return sorted(glob.glob(os.path.join(REGS, "stm32f7", "*.h")))


def macro_names(paths=None) -> list[str]:
    names = []
    for path in paths or headers():
        with open(path) as f:
            for line in f:
                m = _DEFINE.match(line)
                if m and m.group(1) not in names:
                    names.append(m.group(1))
    return names


ffibuilder = FFI()
ffibuilder.cdef("\n".join(f"#define {n} ..." for n in macro_names()))
ffibuilder.set_source(
    MODULE,
    "".join(f'#include "{os.path.basename(h)}"\n' for h in headers()),
    include_dirs=[os.path.join(REGS, "stm32f7")],
    extra_compile_args=["-std=c11", "-Wall", "-Werror"],
)

if __name__ == "__main__":
    build(ffibuilder, MODULE)
