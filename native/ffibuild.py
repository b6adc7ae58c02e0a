"""Shared cffi build step: compile an out-of-line API-mode module into the host package.

Each native/ffi_<name>.py defines MODULE ("stm32boot._native") and `ffibuilder`, and ends with
`if __name__ == "__main__": build(ffibuilder, MODULE)`. The extension lands at
host/stm32boot/<name><EXT_SUFFIX>, where the editable install finds it. native_builder() and
regs_builder() make the two common kinds of `ffibuilder`.
"""
import glob
import os
import re
import shutil
import sysconfig
import tempfile

from cffi import FFI

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NATIVE = os.path.join(ROOT, "native")
REGS = os.path.join(ROOT, "firmware", "regs")


def build(ffibuilder, module: str) -> str:
    ext = sysconfig.get_config_var("EXT_SUFFIX")
    dest = os.path.join(ROOT, "host", *module.split(".")) + ext
    with tempfile.TemporaryDirectory(dir=os.path.join(ROOT, "build") if os.path.isdir(os.path.join(ROOT, "build")) else None) as tmp:
        built = ffibuilder.compile(tmpdir=tmp, verbose=False)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(built, dest + ".tmp")
        os.replace(dest + ".tmp", dest)  # atomic: a running test never sees half a module
    print(f"native: built {os.path.relpath(dest, ROOT)}")
    return dest


def header_region(path: str) -> str:
    """The declarations of a C header between /* CFFI-BEGIN */ and /* CFFI-END */, as a cffi cdef: comments
    dropped, every object-like #define left for the compiler to evaluate (`...`), array lengths named by a
    macro as `[...]` (cffi takes them from the compiled header)."""
    with open(path) as f:
        text = f.read()
    body = text.split("/* CFFI-BEGIN */", 1)[1].split("/* CFFI-END */", 1)[0]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    body = re.sub(r"^#define\s+(\w+)\s+.*$", r"#define \1 ...", body, flags=re.M)
    return re.sub(r"\[[A-Za-z_]\w*\]", "[...]", body)


def native_builder(module: str, cdef: str, units: list[str], opt: str) -> FFI:
    """A module compiled from native/<unit>.c, each with its native/<unit>.h included, at optimisation `opt`."""
    ffibuilder = FFI()
    ffibuilder.cdef(cdef)
    ffibuilder.set_source(
        module,
        "".join(f'#include "{u}.h"\n' for u in units),
        sources=[os.path.join(NATIVE, f"{u}.c") for u in units],
        include_dirs=[NATIVE],
        extra_compile_args=[opt, "-std=c11", "-Wall", "-Wextra", "-Werror"],
    )
    return ffibuilder


# Object-like `#define NAME value`: include guards (empty values) and function-like macros do not match.
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)(?!\()\s+(\S.*?)\s*(?:/\*.*)?$")


def macro_names(paths: list[str]) -> list[str]:
    """Every object-like macro name defined in `paths`, first occurrence first."""
    names = []
    for path in paths:
        with open(path) as f:
            for line in f:
                m = _DEFINE.match(line)
                if m and m.group(1) not in names:
                    names.append(m.group(1))
    return names


def regs_builder(module: str, regs_dirs: list[str]) -> FFI:
    """A module exposing every integer macro of each regs_dirs/*.h; cffi's `#define NAME ...` makes the C
    compiler, not a Python parser, evaluate each expression."""
    headers = [h for d in regs_dirs for h in sorted(glob.glob(os.path.join(d, "*.h")))]
    ffibuilder = FFI()
    ffibuilder.cdef("\n".join(f"#define {n} ..." for n in macro_names(headers)))
    ffibuilder.set_source(
        module,
        "".join(f'#include "{os.path.basename(h)}"\n' for h in headers),
        include_dirs=list(regs_dirs),
        extra_compile_args=["-std=c11", "-Wall", "-Werror"],
    )
    return ffibuilder
