"""Run an STM32CubeProgrammer external loader (.stldr) on the simulated board the way the programmer
does (docs/external-loader-abi.md §1, §2, §5; docs/emulator-notes.md).

    from stm32boot.sim.loader_harness import Loader, LoaderHarness
    ld = Loader.open("build/loaders/X.stldr")         # parse: symbols, segments, StorageInfo
    h = LoaderHarness(ld, board="NAME", nor_profile="typical")   # a fresh simulated board
    r = h.call("Init")                                  # CallResult: .ok, .r0, .r1, .problem, ...
    r = h.call("Write", 0x90000000, len(data), h.put_buffer(data))
    h.read_mapped(0x90000000, 16)                       # what the programmer reads back (may raise)
    h.notes()                                           # model trace: NOR/controller notes, oldest first

The NOR may sit on an OCTOSPI or a QUADSPI (Board.nor.controller): the harness finds the controller that drives the
board's NOR model (`nor_controller`) and every memory window the programmer could read (`windows`);
`nor_part` picks one of the parts a board is fitted with across revisions (Board.nor.parts).

Start state: the programmer's connect (LoaderHarness.connect): a system reset, core halted before its first
instruction; only what a power-on reset clears (the PWR supply configuration) is as an application left it.

Call mechanics: image segments that are writable or executable are written to RAM (the StorageInfo-
only segment is skipped), .bss (also an IAR-style NOBITS block after the segments: Loader.ram_end, where
the stack and its canary start) and the rest of each segment's memsz are POISONED (no C runtime runs),
the word 0x0000BE00 (BKPT) sits at the RAM base, LR = base|1, SP = round8(end + 0x400), xPSR = Thumb,
PRIMASK = 1. A call passes when it returns onto the stub with SP restored, IPSR = 0, the stack canary
intact, within its virtual-time budget and the wall-clock guard, and stored only to its image/.bss,
its stack window and the data buffer (docs/external-loader-abi.md §5.7): every other byte of on-chip RAM is snapshotted
before the call and compared after it (bytes equality, ~0.6 MB: cheap; no memory hook, which would
slow every guest access). Peripheral space is allowed; the external windows are not compared.
"""
from __future__ import annotations

import struct
import time
from dataclasses import dataclass, field

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from .. import boards

STUB_WORD = b"\x00\xbe\x00\x00"
POISON = b"\xa5"
CANARY = b"\xde\xad\xf0\x0d" * 4
BUDGET_S = {"Init": 100.0, "Write": 1.0, "Read": 1.0, "SectorErase": 10.0, "MassErase": 600.0,
            "Verify": 10.0, "CheckSum": 10.0}
RAM_BASES = (0x2400_0000, 0x2000_0000)
CONNECT_MODES = ("under-reset", "hot-plug")   # CubeProgrammer's Normal behaves as under-reset here
APP_RUN_S = 0.5                               # virtual time an application runs before the connect
FUNCS = ("Init", "Write", "SectorErase", "MassErase", "Read", "Verify", "CheckSum")


class LoaderError(Exception):
    """The file cannot be used as a loader at all (not an ELF, no symbols ...)."""


@dataclass
class StorageInfo:
    name: str
    dev_type: int
    start: int
    size: int
    page_size: int
    erase_value: int
    sectors: list[tuple[int, int]]     # (count, size) runs before the terminator
    raw: bytes

    @classmethod
    def parse(cls, raw: bytes) -> "StorageInfo":
        name = raw[:100].split(b"\0", 1)[0].decode("latin-1")
        dev_type, start, size, page, erase = struct.unpack_from("<H2xIIIB", raw, 100)
        runs = []
        for i in range(10):
            n, s = struct.unpack_from("<II", raw, 120 + 8 * i)
            if n == 0:
                break
            runs.append((n, s))
        return cls(name, dev_type, start, size, page, erase, runs, raw)

    def sector_list(self) -> list[tuple[int, int]]:
        out, a = [], self.start
        for n, s in self.sectors:
            for _ in range(n):
                out.append((a, s))
                a += s
        return out


@dataclass
class Loader:
    path: str
    symbols: dict[str, tuple[int, int, str]]        # name -> (value, size, type)
    segments: list[tuple[int, int, int, bytes, int]]  # (vaddr, memsz, flags, file bytes, index)
    nobits: list[tuple[int, int, str]]              # (addr, size, section name) allocated, not in file
    sections: list[tuple[str, int, int, int]]       # (name, addr, size, sh_flags) allocated
    storage_raw: bytes | None
    storage_size: int
    storage_section: tuple[str, int] | None         # (name, sh_flags)
    elf_class: int
    machine: str

    @classmethod
    def open(cls, path: str) -> "Loader":
        try:
            f = open(path, "rb")
        except OSError as e:
            raise LoaderError(f"{path}: cannot open ({e.strerror})") from None
        with f:
            try:
                elf = ELFFile(f)
            except ELFError as e:
                raise LoaderError(f"{path}: not an ELF file ({e}); a .stldr is an ARM ELF") from None
            symtab = elf.get_section_by_name(".symtab")
            syms = {}
            if symtab is not None:
                for s in symtab.iter_symbols():
                    if s.name and s["st_shndx"] != "SHN_UNDEF":
                        syms[s.name] = (s["st_value"], s["st_size"], s["st_info"]["type"])
            segs = [(s["p_vaddr"], s["p_memsz"], s["p_flags"], s.data(), i)
                    for i, s in enumerate(elf.iter_segments()) if s["p_type"] == "PT_LOAD"]
            secs, nobits = [], []
            for sec in elf.iter_sections():
                if sec["sh_flags"] & 2 and sec["sh_size"]:  # SHF_ALLOC
                    secs.append((sec.name, sec["sh_addr"], sec["sh_size"], sec["sh_flags"]))
                    if sec["sh_type"] == "SHT_NOBITS":
                        nobits.append((sec["sh_addr"], sec["sh_size"], sec.name))
            raw, ssec, ssize = None, None, 0
            if "StorageInfo" in syms:
                addr, ssize, _ = syms["StorageInfo"]
                for sec in elf.iter_sections():
                    if sec["sh_flags"] & 2 and sec["sh_addr"] <= addr < sec["sh_addr"] + sec["sh_size"] \
                            and sec["sh_type"] != "SHT_NOBITS":
                        off = addr - sec["sh_addr"]
                        raw = sec.data()[off:off + 200]
                        ssec = (sec.name, sec["sh_flags"])
                        break
            return cls(path, syms, segs, nobits, secs, raw, ssize, ssec, elf.elfclass, elf["e_machine"])

    def storage(self) -> StorageInfo | None:
        if self.storage_raw is None or len(self.storage_raw) < 200:
            return None
        return StorageInfo.parse(self.storage_raw)

    def image_segments(self):
        """Segments the programmer writes to RAM: writable or executable ones (PF_W=2, PF_X=1)."""
        return [s for s in self.segments if s[2] & 3 and s[1]]

    def image_range(self) -> tuple[int, int]:
        segs = self.image_segments()
        if not segs:
            raise LoaderError(f"{self.path}: no writable/executable PT_LOAD segment (no RAM image)")
        return min(s[0] for s in segs), max(s[0] + s[1] for s in segs)

    def ram_end(self) -> int:
        """End of what the loader owns in RAM: its segments and any allocated NOBITS section after them.
        IAR links .bss outside every PT_LOAD (docs/external-loader-abi.md §1); it is still the loader's."""
        lo, hi = self.image_range()
        top = self.ram_base() + 0x10_0000
        ends = [a + n for a, n, _name in self.nobits if lo <= a < top]
        return max([hi] + ends)

    def ram_base(self) -> int:
        lo, _ = self.image_range()
        for b in RAM_BASES:
            if b <= lo < b + 0x10_0000:
                return b
        return lo & ~0xFF


@dataclass
class CallResult:
    name: str
    args: tuple
    ok: bool
    r0: int = 0
    r1: int = 0
    virtual_s: float = 0.0
    wall_s: float = 0.0
    problem: str | None = None       # why the call itself failed (fault, timeout, bad return)
    fault_report: object = None
    pc: int = 0                      # where the loader stopped (the stub when it returned)

    def describe(self) -> str:
        a = ", ".join(f"0x{x:X}" for x in self.args)
        s = f"{self.name}({a}) -> 0x{self.r0:X} in {self.virtual_s * 1e3:.3f} ms virtual"
        return s + (f": {self.problem}" if self.problem else "")


def harness_board(board: str):
    """The board description, if the harness can run loaders on it; LoaderError says why not."""
    try:
        desc = boards.get(board)
    except KeyError as e:
        raise LoaderError(str(e.args[0])) from None
    if desc.nor is None:
        raise LoaderError(f"board {board!r}: the {desc.title} has no external NOR for a loader to program")
    return desc


def ram_end(board, addr: int) -> int:
    """End of the on-chip RAM that holds `addr`, contiguous regions joined (on an F74x DTCM, SRAM1 and
    SRAM2 form one 320 KB block): where the programmer's data buffers must end."""
    regions = sorted((base, base + size) for _name, base, size in board.ram)
    end = None
    for lo, hi in regions:
        if end is None and lo <= addr < hi:
            end = hi
        elif end is not None and lo == end:
            end = hi
    if end is None:
        raise LoaderError(f"0x{addr:08X} is in no RAM of the {board.title}: a loader's image must be in RAM")
    return end


class LoaderHarness:
    def __init__(self, loader: Loader, board: str = boards.DEFAULT, nor_profile: str = "typical",
                 wall_s: float = 60.0, zero_bss: bool = False, machine=None, supply_cr3: int | None = None,
                 app: str | None = None, connect: str = "under-reset", nor_part: str | None = None):
        if connect not in CONNECT_MODES:
            raise LoaderError(f"connect mode {connect!r}: use {' or '.join(CONNECT_MODES)}")
        desc = harness_board(board)
        if nor_part is not None and nor_part not in desc.nor.parts:
            raise LoaderError(f"board {board!r} is fitted with {' or '.join(desc.nor.parts)}, not {nor_part!r}")
        self.loader = loader
        self.zero_bss = zero_bss
        self.wall_s = wall_s
        self._warnings: list[str] = []
        if machine is None:
            from .board import build
            machine = build(desc, strict=False, warn=self._warnings.append, nor=nor_part)
        self.m = machine
        if desc.nor.controller.startswith("OCTOSPI") and not hasattr(self.m, "octospi1"):
            from .periph.ospi_board import add_ospi
            add_ospi(self.m, nor_profile)
        elif desc.nor.controller.startswith("OCTOSPI") and nor_profile in ("typical", "zero"):
            from .devices.mx25lm import PROFILES
            self.m.nor.times = PROFILES[nor_profile]
        elif nor_profile in getattr(getattr(self.m.nor, "part", None), "times", {}):
            self.m.nor.times = self.m.nor.part.times[nor_profile]
        from .periph.ospi_window import MemWindow
        self.windows = [p for p in self.m.bus.peripherals if isinstance(getattr(p, "window", None), MemWindow)]
        self.nor_controller = next(p for p in self.windows if getattr(p, "device", None) is self.m.nor)
        self.base = loader.ram_base()
        self.ram_end = ram_end(desc, self.base)
        hi = loader.ram_end()
        self.image_end = hi
        self.sp = (hi + 0x400 + 7) & ~7
        self.canary_at = hi
        self.buffer = (hi + 0x408 + 7) & ~7
        self.buffer_len = 0   # largest data buffer handed over so far: the loader may store there
        self.calls: list[CallResult] = []
        self.connect(supply_cr3, app, connect)
        self.reload()

    def connect(self, supply_cr3: int | None = None, app: str | None = None, mode: str = "under-reset") -> None:
        """The state CubeProgrammer hands a loader. Its connect modes "Normal" and "Under reset" reset the
        system and halt the core before its first instruction: every peripheral at its reset value, core in
        Thread mode, interrupts masked; only what a power-on reset clears stays as the application left it,
        i.e. the PWR supply configuration (RM0468 PWR_CR3: write-once). "Hot plug" halts the core wherever
        the application is, with everything it set up (clocks, a memory-mapped NOR) still in place.
        `app`: an ELF the board runs from power-on for APP_RUN_S before the programmer connects (e.g. our
        bootloader); `supply_cr3`: the CR3 an application wrote, without running one. Neither: a board with
        nothing run since power-on (blank flash on a production line)."""
        m = self.m
        if supply_cr3 is not None:
            m.pwr.power_on_reset()
            m.pwr.bus_write(m.pwr.reg("CR3").offset, 4, (m.pwr.get("CR3") & ~0x3F) | supply_cr3 & 0x3F)
            m.clock.advance_to(m.clock.now + 10**9)   # the application ran: the supply is ready
        if app is not None:
            try:
                m.load_elf(app)
            except Exception as e:
                raise LoaderError(f"application {app}: {e}") from None
            m.reset()
            r = m.run(max_virtual_s=APP_RUN_S, timeout_s=self.wall_s)
            if r.reason == "fault":
                raise LoaderError(f"application {app} faults before the programmer connects: {r.detail}")
        if mode == "under-reset":
            m.reset()                                  # the connect's system reset

    # ---- image ------------------------------------------------------------------------------
    def reload(self) -> None:
        """What the programmer does before an operation group: stub word + full image."""
        m = self.m
        m.write(self.base, STUB_WORD)
        fill = b"\0" if self.zero_bss else POISON
        for vaddr, memsz, _flags, data, _i in self.loader.image_segments():
            m.write(vaddr, data)
            if memsz > len(data):
                m.write(vaddr + len(data), fill * (memsz - len(data)))
        lo, hi = self.loader.image_range()[0], self.image_end
        for addr, size, _name in self.loader.nobits:
            if lo <= addr and addr + size <= hi:
                m.write(addr, fill * size)
        m.write(self.canary_at, CANARY)

    def put_buffer(self, data: bytes) -> int:
        if self.buffer + len(data) > self.ram_end:
            raise LoaderError(f"data buffer of {len(data)} bytes does not fit in the RAM after the image "
                              f"(ends at 0x{self.ram_end:08X})")
        self.m.write(self.buffer, data)
        self.buffer_len = max(self.buffer_len, len(data))
        return self.buffer

    # ---- calls ------------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.loader.symbols

    def call(self, name: str, *args: int, budget_s: float | None = None) -> CallResult:
        from unicorn.arm_const import (UC_ARM_REG_CONTROL, UC_ARM_REG_IPSR, UC_ARM_REG_PRIMASK,
                                       UC_ARM_REG_R1, UC_ARM_REG_SP, UC_ARM_REG_XPSR)
        if name not in self.loader.symbols:
            raise LoaderError(f"{self.loader.path}: no symbol {name!r}")
        m, uc = self.m, self.m.uc
        budget = budget_s if budget_s is not None else BUDGET_S.get(name, 10.0)
        uc.reg_write(UC_ARM_REG_XPSR, 0x0100_0000)
        uc.reg_write(UC_ARM_REG_CONTROL, 0)
        uc.reg_write(UC_ARM_REG_PRIMASK, 1)
        guarded = self._snapshot()
        t0 = time.monotonic()
        v0 = m.clock.now
        res = m.call(self.loader.symbols[name][0], args, lr_stub=self.base, sp=self.sp,
                     timeout_s=self.wall_s, max_virtual_s=budget)
        out = CallResult(name, tuple(args), False, r0=res.r0, r1=uc.reg_read(UC_ARM_REG_R1),
                         virtual_s=(m.clock.now - v0) / 1e12, wall_s=time.monotonic() - t0,
                         fault_report=res.fault_report, pc=res.pc)
        out.problem = self._problem(res, budget)
        smashed = bytes(m.read(self.canary_at, len(CANARY))) != CANARY
        if out.problem is not None and smashed:
            out.problem = (f"stack overflow: the canary at 0x{self.canary_at:08X} (image end, 0x400 below "
                           f"the initial SP) was overwritten; then {out.problem}")
        if out.problem is None:
            sp = uc.reg_read(UC_ARM_REG_SP)
            if sp != self.sp:
                out.problem = f"returned with SP=0x{sp:08X}, expected 0x{self.sp:08X} (stack not balanced)"
            elif uc.reg_read(UC_ARM_REG_IPSR) & 0x1FF:
                out.problem = f"returned in handler mode (IPSR={uc.reg_read(UC_ARM_REG_IPSR) & 0x1FF})"
            elif bytes(m.read(self.canary_at, len(CANARY))) != CANARY:
                out.problem = (f"stack overflow: the canary at 0x{self.canary_at:08X} (image end, "
                               f"0x400 below the initial SP) was overwritten")
            elif not uc.reg_read(UC_ARM_REG_PRIMASK) & 1:
                out.problem = "left interrupts enabled (PRIMASK cleared): the programmer expects them masked"
            else:
                out.problem = self._stray_stores(guarded)
        out.ok = out.problem is None
        self.calls.append(out)
        return out

    # ---- docs/external-loader-abi.md §5.7: stores only to image/.bss, stack, buffer, peripherals ------------------------
    def _guarded_spans(self):
        allowed = ((self.base, self.sp), (self.buffer, self.buffer + self.buffer_len))
        out = []
        for r in self.m.regions:
            if r.kind != "ram":
                continue
            spans = [(r.base, r.end)]
            for lo, hi in allowed:
                spans = [p for a, b in spans for p in ((a, min(b, lo)), (max(a, hi), b)) if p[1] > p[0]]
            out += [(r.name, a, b) for a, b in spans]
        return out

    def _snapshot(self):
        return [(name, a, bytes(self.m.uc.mem_read(a, b - a))) for name, a, b in self._guarded_spans()]

    def _stray_stores(self, guarded) -> str | None:
        for name, a, before in guarded:
            after = bytes(self.m.uc.mem_read(a, len(before)))
            if after != before:
                diff = [i for i in range(len(before)) if before[i] != after[i]]
                i = diff[0]
                return (f"stored outside its image/.bss, stack and data buffer (docs/external-loader-abi.md §5.7): "
                        f"{len(diff)} byte(s) of {name} changed, first at 0x{a + i:08X} "
                        f"(0x{before[i]:02X} -> 0x{after[i]:02X}); the programmer's RAM there is not the loader's")
        return None

    def _problem(self, res, budget: float) -> str | None:
        if res.reason == "until":
            return None
        if res.reason == "fault":
            text = str(res.fault_report).rstrip().replace("\n", "\n        ")
            return f"fault: {text}"
        if res.reason == "virtual":
            polled = self._polling()
            if polled:
                return (f"did not return within its {budget:g} s virtual-time budget: still {polled} "
                        f"(PC=0x{res.pc:08X})")
            return f"did not return within its {budget:g} s virtual-time budget (PC=0x{res.pc:08X})"
        if res.reason == "timeout":
            return f"still running after {self.wall_s:g} s of wall time (PC=0x{res.pc:08X})"
        if res.reason == "hang":
            return f"hangs: {res.detail}"
        if res.reason == "bkpt":
            return f"stopped on BKPT #{res.bkpt} at 0x{res.pc:08X}, not on the return stub 0x{self.base:08X}"
        return f"stopped ({res.reason}) at PC=0x{res.pc:08X}: {res.detail}"

    # ---- what the programmer observes -------------------------------------------------------
    def read_mapped(self, addr: int, n: int) -> bytes:
        """A debug-port read of the memory window; raises WindowFault where the bus would fault."""
        for o in self.windows:
            w = o.window
            if w.base <= addr < w.base + 0x1000_0000:
                return w.read(addr - w.base, n)
        return self.m.read(addr, n)

    def _polling(self) -> str:
        """'polling PWR.D3CR (reads 0x4000)' when the run ended in a status-register wait, else ''."""
        m = self.m
        addr = m.idle.addr
        if addr is None:
            return ""
        p, off, _ = m._route(addr)
        return f"polling {m.name(p, off)} (reads 0x{m.idle.val:X})" if p is not None else ""

    def notes(self) -> list[str]:
        out = list(self.nor_controller.trace) + list(self.m.nor.trace)
        return out + [n for o in self.windows if o is not self.nor_controller for n in o.trace]

    def sim_notes(self) -> list[str]:
        """What the simulator said while the loader ran (model notes, unmodelled registers), in order."""
        return list(self._warnings)
