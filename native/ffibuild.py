"""Shared cffi build step: compile an out-of-line API-mode module into the host package.

Each native/ffi_<name>.py defines MODULE ("stm32boot._native") and `ffibuilder`, and ends with
`if __name__ == "__main__": build(ffibuilder, MODULE)`. The extension lands at
host/stm32boot/<name><EXT_SUFFIX>, where the editable install finds it.
"""
import os
import shutil
import sysconfig
import tempfile

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
