"""Attach the C virtual-clock block hook (native/vclock.c, module stm32boot.sim._vclock) to unicorn.

The hook is registered through unicorn's C API (uc_hook_add with the engine handle `uc._uch`), so no
Python runs per block. When the module was not built (no host compiler), a pure-Python stand-in
is returned and the run loop slices with unicorn's `count=` instead (docs/emulator-notes.md: slower,
and the count is only exact for slices that end normally).
"""
from __future__ import annotations

import ctypes

from unicorn import UC_HOOK_BLOCK
from unicorn.unicorn_py3.unicorn import uclib

try:
    from ._vclock import ffi, lib
except ImportError:  # pragma: no cover - exercised only on machines without the native build
    ffi = lib = None


class _PyClock:
    """Fallback with the same fields as struct vclock."""
    fallback = True

    def __init__(self):
        self.insns = 0
        self.deadline = 0
        self.stop_requested = 0
        self.blocks = 0


def _fnptr(f) -> int:
    return ctypes.cast(f, ctypes.c_void_p).value


def attach(uc):
    if lib is None:
        return _PyClock()
    vc = ffi.new("struct vclock *")
    vc.mem_read = ffi.cast("void *", _fnptr(uclib.uc_mem_read))
    vc.emu_stop = ffi.cast("void *", _fnptr(uclib.uc_emu_stop))
    handle = ctypes.c_size_t()
    err = uclib.uc_hook_add(uc._uch, ctypes.byref(handle), UC_HOOK_BLOCK,
                            ctypes.c_void_p(lib.vclock_hook_address()),
                            ctypes.c_void_p(int(ffi.cast("uintptr_t", vc))),
                            ctypes.c_uint64(1), ctypes.c_uint64(0))
    if err:
        raise RuntimeError(f"unicorn refused the virtual-clock block hook (error {err})")
    uc._vclock_keepalive = vc  # the hook's user data must live as long as the engine
    return vc


def is_native(vc) -> bool:
    return not getattr(vc, "fallback", False)


def flush(vc) -> None:
    if is_native(vc):
        lib.vclock_flush(vc)
