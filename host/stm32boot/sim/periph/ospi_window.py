"""The memory-mapped window of one OCTOSPI (0x90000000 / 0x70000000) in unicorn's address space.

Three states, chosen by the controller (octospi.py):
  off     nothing mapped: any access is a bus error like silicon (RM0468 OCTOSPI chapter; PM0253 BFSR); the
          machine's fault report asks `hint(addr)` why (e.g. OCTOSPIM reconfigured under it).
  direct  mem_map_ptr over the device's own buffer: reads run at memory speed (docs/emulator-notes.md);
          read-only unless the device accepts mapped writes (HyperRAM), so a store faults.
  slow    mmio_map with Python callbacks that clock real transfers: used when the configured read
          command would NOT return the array as is (wrong dummy cycles, byte order, no DQS ...).
Without a machine (unit tests) the same object answers `read()`/`write()` from the chosen state, so
the controller's decisions are testable alone.
"""
from __future__ import annotations

import ctypes

PAGE = 0x1000


class WindowFault(Exception):
    """A host-side access to a window that would bus-fault on silicon."""


class MemWindow:
    def __init__(self, name: str, base: int, machine=None):
        self.name, self.base, self.machine = name, base, machine
        self.kind = "off"
        self.size = 0
        self.reason = f"{name} memory window accessed while the controller is not in memory-mapped mode"
        self._buf = None
        self._ptr = None
        self._writable = False
        self._read_fn = self._write_fn = None
        self._mapped = None  # (base, size) currently mapped in unicorn
        self.on_access = None  # controller hook: an observed (host/debugger) access, for the timeout

    # ---- state changes ----------------------------------------------------------------------
    def set_off(self, reason: str) -> None:
        self.reason = reason
        if self.kind != "off":
            self._unmap()
            self.kind = "off"

    def set_direct(self, buffer, size: int, writable: bool) -> None:
        size = min(size, len(buffer)) & ~(PAGE - 1)
        if self.kind == "direct" and self._buf is buffer and self.size == size and self._writable == writable:
            return
        self._unmap()
        self.kind, self._buf, self.size, self._writable = "direct", buffer, size, writable
        uc = self._uc()
        if uc is not None and size:
            from unicorn import UC_PROT_EXEC, UC_PROT_READ, UC_PROT_WRITE
            perms = UC_PROT_READ | UC_PROT_EXEC | (UC_PROT_WRITE if writable else 0)
            self._ptr = (ctypes.c_char * len(buffer)).from_buffer(buffer)
            uc.mem_map_ptr(self.base, size, perms, ctypes.addressof(self._ptr))
            self._mapped = (self.base, size)

    def set_slow(self, size: int, read_fn, write_fn=None) -> None:
        """read_fn(offset, n) -> bytes; write_fn(offset, data) or None (writes fault)."""
        size &= ~(PAGE - 1)
        self._unmap()
        self.kind, self.size, self._read_fn, self._write_fn = "slow", size, read_fn, write_fn
        uc = self._uc()
        if uc is not None and size:
            def rd(_uc, off, n, _ud=None):
                return int.from_bytes(self._read_fn(off, n), "little")

            def wr(_uc, off, n, value, _ud=None):
                self._write_fn(off, (value & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))

            uc.mmio_map(self.base, size, rd, None, wr if write_fn else None, None)
            self._mapped = (self.base, size)
            self._cbs = (rd, wr)  # keep the callbacks alive

    def invalidate(self, lo: int = 0, hi: int | None = None) -> None:
        """Contents changed under a direct mapping: drop translated code that ran from it."""
        uc = self._uc()
        if uc is not None and self._mapped:
            hi = self.size if hi is None else min(hi, self.size)
            if lo < hi:
                uc.ctl_remove_cache(self.base + lo, self.base + hi)

    # ---- host-side view (unit tests, harness read-back) -------------------------------------
    def read(self, offset: int, n: int) -> bytes:
        self._check(offset, n, "read")
        if self.on_access is not None:
            self.on_access()
        if self.kind == "direct":
            return bytes(self._buf[offset:offset + n])
        return self._read_fn(offset, n)

    def write(self, offset: int, data: bytes) -> None:
        self._check(offset, len(data), "write")
        if self.on_access is not None:
            self.on_access()
        if self.kind == "direct" and self._writable:
            self._buf[offset:offset + len(data)] = data
        elif self.kind == "slow" and self._write_fn:
            self._write_fn(offset, data)
        else:
            raise WindowFault(f"write to 0x{self.base + offset:08X}: {self.name} window is mapped read-only")

    def hint(self, addr: int) -> str | None:
        """Why an access at `addr` faults, for the machine's fault report (None: not ours)."""
        if not self.base <= addr < self.base + 0x1000_0000:
            return None
        if self.kind == "off":
            return self.reason
        if addr - self.base >= self.size:
            return (f"0x{addr:08X} is beyond the {self.name} device size set by DCR1.DEVSIZE "
                    f"({self.size:#x} bytes mapped)")
        return f"{self.name} window is mapped read-only (memory-mapped writes not possible to this device)"

    def _check(self, offset: int, n: int, what: str) -> None:
        if self.kind == "off":
            raise WindowFault(f"{what} at 0x{self.base + offset:08X}: {self.reason}")
        if offset + n > self.size:
            raise WindowFault(f"{what} at 0x{self.base + offset:08X}: {self.hint(self.base + offset)}")

    def _uc(self):
        return getattr(self.machine, "uc", None)

    def _unmap(self) -> None:
        uc = self._uc()
        if uc is not None and self._mapped:
            uc.mem_unmap(*self._mapped)
        self._mapped = None
        self._buf = self._ptr = None
