"""Attach the C virtual-clock block hook (native/vclock.c, module stm32boot.sim._vclock) to unicorn, and
map peripheral blocks with its MMIO entry points.

The hook is registered through unicorn's C API (uc_hook_add with the engine handle `uc._uch`), so no
Python runs per block. When the module was not built (no host compiler), a pure-Python stand-in
is returned and the run loop slices with unicorn's `count=` instead (docs/emulator-notes.md: slower,
and the count is only exact for slices that end normally); MMIO then goes through unicorn's binding.

MMIO: uc_mmio_map with the C callbacks, which call the machine's register dispatch (`_read(addr, size)`,
`_write(addr, size, value)`) through one cffi call each; the C write callback also serves
the write sink (vclock.h): writes that only fill a FIFO never reach Python one by one.
"""
from __future__ import annotations

import ctypes
import struct

from unicorn import UC_HOOK_BLOCK
from unicorn.arm_const import UC_ARM_REG_R0
from unicorn.unicorn_py3.unicorn import uclib

try:
    from ._vclock import ffi, lib
except ImportError:  # pragma: no cover - exercised only on machines without the native build
    ffi = lib = None


IDLE_NONE = (1 << 64) - 1     # vc.idle_addr when no run of status reads is going on (VCLOCK_IDLE_NONE)
RC_POLLED = 1                 # a cached register that idle polling watches (VCLOCK_RC_POLLED)


class _PyClock:
    """Fallback with the same fields as struct vclock."""
    fallback = True

    def __init__(self):
        self.insns = 0
        self.deadline = self.io_deadline = 0
        self.stop_requested = 0
        self.blocks = 0
        self.sink_len = 0
        self.sink_writes = 0
        self.sink_sr_reads = 0
        self.time_reads = 0
        self.idle_addr = IDLE_NONE
        self.idle_val = self.idle_count = self.idle_insns = self.idle_time_reads = self.idle_timed = 0
        self.poll_k = self.poll_gap = 0
        self.rc_n = self.rc_hits = 0
        self.post_n = self.posted = 0
        self.spin_on = self.spin_insns = 0
        self.fw_on = self.fw_ok = self.fw_n = 0


def _fnptr(f) -> int:
    return ctypes.cast(f, ctypes.c_void_p).value


def attach(uc):
    if lib is None:
        return _PyClock()
    vc = ffi.new("struct vclock *")
    vc.mem_read = ffi.cast("void *", _fnptr(uclib.uc_mem_read))
    vc.emu_stop = ffi.cast("void *", _fnptr(uclib.uc_emu_stop))
    vc.reg_read = ffi.cast("void *", _fnptr(uclib.uc_reg_read))
    vc.reg_write = ffi.cast("void *", _fnptr(uclib.uc_reg_write))
    vc.spin_r0 = UC_ARM_REG_R0
    vc.spin_on = 1
    handle = ctypes.c_size_t()
    err = uclib.uc_hook_add(uc._uch, ctypes.byref(handle), UC_HOOK_BLOCK,
                            ctypes.c_void_p(lib.vclock_hook_address()),
                            ctypes.c_void_p(int(ffi.cast("uintptr_t", vc))),
                            ctypes.c_uint64(1), ctypes.c_uint64(0))
    if err:
        raise RuntimeError(f"unicorn refused the virtual-clock block hook (error {err})")
    uc._vclock_keepalive = vc  # the hook's user data must live as long as the engine
    return vc


if lib is not None:
    @ffi.def_extern()
    def vclock_py_read(py, addr, size):
        m = ffi.from_handle(py)
        try:
            return m._read(addr, size)
        except Exception as e:        # re-raised by the run loop after the engine stopped
            m.run_state.hook_error(e)
            return 0

    @ffi.def_extern()
    def vclock_py_write(py, addr, size, value):
        m = ffi.from_handle(py)
        try:
            m._write(addr, size, value)
        except Exception as e:
            m.run_state.hook_error(e)


    @ffi.def_extern()
    def vclock_py_mem_event(py, access, addr, size, value):
        m = ffi.from_handle(py)
        try:
            return 1 if m._on_bad_access(None, access, addr, size, value, None) else 0
        except Exception as e:
            m.run_state.hook_error(e)
            return 0


    @ffi.def_extern()
    def vclock_py_flash_word(py):
        m = ffi.from_handle(py)
        try:
            return 1 if m._on_flash_word() else 0
        except Exception as e:
            m.run_state.hook_error(e)
            return 0

    @ffi.def_extern()
    def vclock_py_flash_flush(py):
        m = ffi.from_handle(py)
        try:
            m.flash_flush()
        except Exception as e:
            vc = m.vc
            vc.fw_n = vc.fw_mask = 0
            m.run_state.hook_error(e)


def hook_mem_events(uc, vc, machine, types: int) -> None:
    """Unmapped/protected accesses of `types` (UC_HOOK_MEM_*) to machine._on_bad_access, through C."""
    if not is_native(vc):
        uc.hook_add(types, machine._on_bad_access)
        return
    handle = ctypes.c_size_t()
    err = uclib.uc_hook_add(uc._uch, ctypes.byref(handle), types, ctypes.c_void_p(lib.vclock_mem_event_address()),
                            ctypes.c_void_p(int(ffi.cast("uintptr_t", vc))), ctypes.c_uint64(1), ctypes.c_uint64(0))
    if err:
        raise RuntimeError(f"unicorn refused the memory-event hook (error {err})")


def map_mmio(uc, vc, machine, blocks) -> None:
    """Map every (base, size) peripheral block to the machine's register dispatch."""
    if not is_native(vc):
        for base, size in blocks:
            uc.mmio_map(base, size, lambda _uc, off, n, b: machine.bus_access_read(b + off, n), base,
                        lambda _uc, off, n, v, b: machine.bus_access_write(b + off, n, v), base)
        return
    handle = ffi.new_handle(machine)
    vc.py = handle
    keep = [handle]
    rd = ctypes.c_void_p(lib.vclock_mmio_read_address())
    wr = ctypes.c_void_p(lib.vclock_mmio_write_address())
    for base, size in blocks:
        blk = ffi.new("struct vclock_mmio *", {"vc": vc, "base": base})
        keep.append(blk)
        ud = ctypes.c_void_p(int(ffi.cast("uintptr_t", blk)))
        err = uclib.uc_mmio_map(uc._uch, base, size, rd, ud, wr, ud)
        if err:
            raise RuntimeError(f"unicorn refused to map MMIO at 0x{base:08X} (error {err})")
    uc._vclock_mmio_keepalive = keep    # the callbacks' user data must live as long as the engine


def sink_arm(vc, addr: int, limit: int, status=(0, 0)) -> None:
    """Let the C side take stores to `addr` while they fit in `limit` bytes (the collected ones taken first),
    and answer 32-bit reads of the status register at status[0] with status[1] meanwhile."""
    vc.sink_addr, vc.sink_left = addr, limit
    vc.sink_sr_addr, vc.sink_sr_value = status


def sink_disarm(vc) -> None:
    if is_native(vc):
        vc.sink_addr = vc.sink_left = vc.sink_sr_addr = 0


def sink_take(vc) -> bytes:
    """The bytes collected so far, in order; the sink stays armed for what is left of its limit."""
    n = vc.sink_len
    data = bytes(ffi.buffer(vc.sink_buf, n)) if n else b""
    vc.sink_len = 0
    return data


def time_source(vc, addr: int, offset: int) -> None:
    """32-bit reads of `addr` answered in C: the machine's cycles + `offset` (mod 2**32); addr 0: none."""
    if is_native(vc):
        vc.tsrc_addr, vc.tsrc_offset = addr, offset & 0xFFFFFFFF


def time_base(vc, insn_base: int, cyc_base: int, hz: int, cpi: int) -> None:
    """The machine's time base changed (machine._rebase): where the C time source counts from."""
    if is_native(vc):
        vc.tsrc_insn_base, vc.tsrc_cyc_base, vc.tsrc_hz, vc.tsrc_cpi = insn_base, cyc_base, hz, cpi


def delay_skip(vc, on: bool) -> None:
    """Delay loops (`subs Rn, #1; bne.n` to itself) skipped up to the deadline in C (on, the default) or run
    pass by pass (off: what the tests compare with). Exact either way: only host time differs."""
    if is_native(vc):
        vc.spin_on = 1 if on else 0


def is_native(vc) -> bool:
    return not getattr(vc, "fallback", False)


def flush(vc) -> None:
    if is_native(vc):
        lib.vclock_flush(vc)


def idle_counter(vc):
    """idle_status for this clock: the C function itself when native (called on every status read)."""
    return lib.vclock_idle_status if is_native(vc) else idle_status


def idle_status(vc, addr: int, value: int) -> bool:
    """One status-register read for idle-poll detection (the C side counts the reads it answers the same
    way, native/vclock_bus.c): True when it completes a run of vc.poll_k identical reads."""
    if lib is not None and not getattr(vc, "fallback", False):
        return bool(lib.vclock_idle_status(vc, addr, value))
    insns, gap_from = vc.insns, vc.idle_insns
    vc.idle_insns = insns
    if vc.time_reads != vc.idle_time_reads:
        vc.idle_time_reads, vc.idle_timed = vc.time_reads, 1
    if addr == vc.idle_addr and value == vc.idle_val and insns - gap_from < vc.poll_gap:
        vc.idle_count += 1
        return vc.idle_count >= vc.poll_k
    vc.idle_addr, vc.idle_val, vc.idle_count, vc.idle_timed = addr, value, 1, 0
    return False


def rc_put(vc, addr: int, size: int, value: int, polled: bool) -> None:
    """Let the C side answer reads of `addr` with `value` until the next event or Python-side access (the
    model guarantees the register cannot change before either)."""
    lib.vclock_rc_put(vc, addr, size, value, RC_POLLED if polled else 0)


def post_allow(vc, regs) -> None:
    """The registers whose 32-bit writes the C side may post (hold for Python, in order): (addr, drop_lo,
    drop_hi, clr_addr, clr_mask, on) each: [drop_lo, drop_hi) the stable reads a write to it can change
    (forgotten when it is posted), a cached read of clr_addr loses the written bits in clr_mask (flags it
    clears), `on` whether it is posted now (post_switch); () for none."""
    if not is_native(vc):
        return
    regs = list(regs)
    if len(regs) > len(vc.post_tab):
        raise ValueError(f"{len(regs)} posted registers, the C side holds {len(vc.post_tab)}")
    for i, (addr, lo, hi, clr_addr, clr_mask, on) in enumerate(regs):
        e = vc.post_tab[i]
        e.addr, e.drop_lo, e.drop_hi, e.clr_addr, e.clr_mask, e.on = addr, lo, hi, clr_addr, clr_mask, 1 if on else 0
    vc.post_tab_n = len(regs)


def post_switch(vc, index: int, on: bool) -> None:
    """Post writes to the register in post_tab[index] (post_allow's order) from now on, or not."""
    if is_native(vc):
        vc.post_tab[index].on = 1 if on else 0


_POST = struct.Struct("<QII")     # struct vclock_post


def post_take(vc) -> list:
    """The posted writes, oldest first, as (addr, size, value); the C side's list is emptied."""
    n = vc.post_n
    out = list(_POST.iter_unpack(ffi.buffer(vc.post, _POST.size * n)))
    vc.post_n = 0
    return out


def guard_array(vc, region, prot_type: int) -> bool:
    """Let the C side put back the bytes of `region` (a memory.Region mapped over a host buffer) that
    unicorn stores after the write-protect hook took the store (vclock.h, store guard). True if it does."""
    if not is_native(vc):
        return False
    if region is None or region._cbuf is None:
        vc.guard_mem = ffi.NULL
        return False
    vc.guard_mem = ffi.cast("uint8_t *", ctypes.addressof(region._cbuf))
    vc.guard_base, vc.guard_size, vc.guard_type = region.base, region.size, prot_type
    return True


def guard_restore(vc) -> tuple[int, int] | None:
    """Put the guarded bytes back now; the range whose translations must go, if any (then cleared)."""
    if not is_native(vc):
        return None
    if vc.guard_n:
        lib.vclock_guard_restore(vc)
    if not vc.guard_flush_hi:
        return None
    rng = (vc.guard_flush_lo, vc.guard_flush_hi)
    vc.guard_flush_lo = vc.guard_flush_hi = 0
    return rng


_FW = struct.Struct("<QQII")      # struct vclock_fw_store


def fw_take(vc) -> tuple[list, bytes]:
    """The flash stores the C side holds (vclock.h, flash-word collection), oldest first, as (insns, value,
    addr, size), and the word's 32 bytes as collected; the collection is emptied."""
    n = vc.fw_n
    out = list(_FW.iter_unpack(ffi.buffer(vc.fw, _FW.size * n)))
    data = bytes(ffi.buffer(vc.fw_data, lib.VCLOCK_FW_SIZE))
    vc.fw_n = vc.fw_mask = 0
    return out, data


def digest_start(vc) -> None:
    """Fold every guest register access into a digest from now on (native only): digest(vc) reads it."""
    if is_native(vc):
        vc.digest, vc.digest_on = lib.VCLOCK_DIGEST_SEED, 1


def digest(vc) -> int | None:
    """The digest of the register accesses since digest_start (address, size, value and instruction count
    of each, whether Python or the C side served it); None without the native clock."""
    return vc.digest if is_native(vc) and vc.digest_on else None


def rc_drop(vc, lo: int, hi: int) -> None:
    lib.vclock_rc_drop(vc, lo, hi)


def rc_clear(vc) -> None:
    vc.rc_n = 0


def executed(vc, lo: int, hi: int) -> bool:
    """Could a block in [lo, hi) have been translated or counted? Always True without the native hook."""
    if not is_native(vc):
        return True
    return bool(lib.vclock_executed(vc, lo & 0xFFFFFFFF, min(hi, 0xFFFFFFFF)))
