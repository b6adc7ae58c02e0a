"""The acceptance checks of docs/external-loader-abi.md §5 as data: one function per check, run in order.

Each check gets a Ctx and returns (ok, message) or None when it does not apply (optional function
absent). Dynamic checks read back what the programmer would: Init, then the memory-mapped window.
Sizes are small on purpose except write-large-chunk (docs/external-loader-abi.md §5.10: a >= 0x3C700-byte chunk); virtual-time
budgets are the programmer's (loader_harness.BUDGET_S). Every call is also checked by the harness
for stores outside image/stack/buffer (docs/external-loader-abi.md §5.7), so each check covers that too.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from .loader_harness import AXI_END, FUNCS, POISON, Loader, LoaderError, LoaderHarness
from .periph.ospi_window import WindowFault

from .. import boards


@dataclass
class Ctx:
    loader: Loader
    nor_profile: str = "typical"
    h: LoaderHarness | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(0x5EED))
    init_ok: bool = False
    board: str = boards.DEFAULT
    board_kw: dict = field(default_factory=dict)   # LoaderHarness connect state: supply_cr3, app, connect

    def harness(self) -> LoaderHarness:
        """The check's own board, fresh from the programmer's connect (LoaderHarness.connect): no check
        sees what an earlier one left in RAM, the NOR or the controllers."""
        if self.h is None:
            self.h = LoaderHarness(self.loader, board=self.board, nor_profile=self.nor_profile, **self.board_kw)
        return self.h

    def initialised(self) -> LoaderHarness:
        """A fresh board on which the programmer has called Init, as it does before any operation."""
        h = self.harness()
        _call(h, "Init")
        return h


@dataclass
class CheckResult:
    name: str
    status: str          # "PASS", "FAIL" or "N/A"
    message: str
    cause: str = ""      # for FAIL: one of CAUSES
    pc: int | None = None
    sim_notes: list = field(default_factory=list)

    def __iter__(self):  # (name, status, message), as the checks have always been reported
        return iter((self.name, self.status, self.message))


CAUSES = ("loader bug", "unsupported by the simulator", "harness")
_UNSUPPORTED = ("unmodelled", "not modelled", "emulator error")


class Fail(Exception):
    pass


# ---- helpers ------------------------------------------------------------------------------------
def _call(h: LoaderHarness, name: str, *args, want: int | None = 1):
    r = h.call(name, *args)
    if not r.ok:
        raise Fail(f"{r.describe()}{_notes(h)}")
    if want is not None and r.r0 != want:
        raise Fail(f"{name}({', '.join(f'0x{a:X}' for a in args)}) returned {r.r0} (expected {want})"
                   f"{_notes(h)}")
    return r


_RESET_NOISE = ("command 0x66 ", "command 0x99 ", "command 0x6699 ", "command 0x9966 ")


def _notes(h: LoaderHarness, k: int = 3) -> str:
    """The model's last distinct notes, without the expected noise of resets sent in every framing."""
    seen = []
    for n in reversed(h.notes()):
        if any(r in n for r in _RESET_NOISE):
            continue
        if n not in seen:
            seen.append(n)
        if len(seen) == k:
            break
    return "".join(f"\n      note: {n}" for n in reversed(seen))


def _readback(h: LoaderHarness, addr: int, expect: bytes, what: str) -> None:
    """Init, then read the window like the programmer; compare, first bytes included."""
    _call(h, "Init")
    try:
        got = h.read_mapped(addr, len(expect))
    except WindowFault as e:
        raise Fail(f"{what}: reading 0x{addr:08X} through the memory-mapped window after Init faults: "
                   f"{e}{_notes(h)}") from None
    if got != expect:
        i = next(k for k in range(len(expect)) if got[k] != expect[k])
        first = " (the FIRST bytes are wrong)" if i < 4 else ""
        raise Fail(f"{what}: read-back through the window differs at 0x{addr + i:08X}{first}: got "
                   f"{got[i:i + 8].hex(' ')}, expected {expect[i:i + 8].hex(' ')}{_notes(h)}")


def _sector(ctx: Ctx) -> int:
    si = ctx.loader.storage()
    return si.sectors[0][1] if si and si.sectors else 4096


def _nor(h: LoaderHarness, off: int, data: bytes) -> None:
    """Host-side preset of NOR contents (like a previous session left them)."""
    h.m.nor.mem[off:off + len(data)] = data
    h.m.nor.changed(off, off + len(data))


def _needs_init(ctx: Ctx) -> None:
    if not ctx.init_ok:
        raise Fail("not run: Init does not work (see above)")


# ---- static checks -------------------------------------------------------------------------------
def check_elf(ctx: Ctx):
    ld = ctx.loader
    if ld.elf_class != 32 or ld.machine != "EM_ARM":
        return False, f"ELF{ld.elf_class} {ld.machine}: a .stldr must be ELF32 ARM"
    if not ld.symbols:
        return False, "no .symtab: the programmer finds everything by symbol name; do not strip"
    lo, hi = ld.image_range()
    bad = []
    for name in FUNCS:
        if name not in ld.symbols:
            if name in ("Init", "Write", "SectorErase"):
                bad.append(f"{name} missing (mandatory)")
            continue
        v, _, typ = ld.symbols[name]
        if typ != "STT_FUNC" or not v & 1 or not lo <= (v & ~1) < hi:
            bad.append(f"{name}=0x{v:08X} is not a Thumb function inside the image 0x{lo:08X}-0x{hi:08X}")
    if bad:
        return False, "; ".join(bad)
    have = [n for n in FUNCS if n in ld.symbols]
    return True, f"ELF32 ARM with symbols; functions: {', '.join(have)}"


def check_storage_info(ctx: Ctx):
    ld = ctx.loader
    if "StorageInfo" not in ld.symbols:
        return False, "no StorageInfo symbol: the programmer cannot describe the memory"
    if ld.storage_size != 200:
        return False, f"StorageInfo is {ld.storage_size} bytes; must be exactly 200 (CubeProgrammer >= 2.12)"
    if ld.storage_section is None:
        return False, "StorageInfo is not in an allocated section with contents"
    name, flags = ld.storage_section
    if flags & 0x5:  # SHF_WRITE | SHF_EXECINSTR
        return False, f"StorageInfo lives in {name}, which is writable/executable: it would be loaded to target"
    si = ld.storage()
    raw = si.raw
    probs = []
    if b"\0" not in raw[:100]:
        probs.append("DeviceName not NUL-terminated within 100 bytes")
    if not 1 <= si.dev_type <= 10:
        probs.append(f"DeviceType {si.dev_type} not in 1..10")
    if raw[102:104] != b"\0\0" or raw[117:120] != b"\0\0\0":
        probs.append("padding bytes not zero")
    if si.erase_value != 0xFF:
        probs.append(f"EraseValue 0x{si.erase_value:02X}, NOR erases to 0xFF")
    if probs:
        return False, "; ".join(probs)
    return True, f"'{si.name}' type {si.dev_type} at 0x{si.start:08X}, {si.size:#x} bytes, page {si.page_size}"


def check_sectors(ctx: Ctx):
    si = ctx.loader.storage()
    if si is None:
        return False, "no StorageInfo to check"
    if not si.sectors:
        return False, "no sector runs"
    if si.page_size <= 0:
        return False, "PageSize is 0"
    total = sum(n * s for n, s in si.sectors)
    if total != si.size:
        return False, f"sector runs add up to {total:#x}, DeviceSize is {si.size:#x}"
    for n, s in si.sectors:
        if s & (s - 1) or s < si.page_size:
            return False, f"sector size {s:#x} is not a power of two >= PageSize {si.page_size:#x}"
    board = boards.get(ctx.board)
    nor = board.memory("nor")
    if si.start != nor.base or si.size > nor.device_size:   # a loader programs the whole chip
        return False, (f"describes 0x{si.start:08X}+{si.size:#x}; the {board.title} NOR is at 0x{nor.base:08X}, "
                       f"{nor.device_size:#x} bytes")
    runs = ", ".join(f"{n} x {s:#x}" for n, s in si.sectors)
    return True, f"{runs} = {total:#x} bytes"


def check_link(ctx: Ctx):
    ld = ctx.loader
    lo, hi = ld.image_range()[0], ld.ram_end()
    base = ld.ram_base()
    if lo != base + 4:
        return False, f"image starts at 0x{lo:08X}; must be linked at RAM base + 4 = 0x{base + 4:08X}"
    room = AXI_END - ((hi + 0x408 + 7) & ~7)
    if room < 0x1000:
        return False, f"image end 0x{hi:08X} + 0x400 stack leaves {room} bytes for data buffers in AXI SRAM"
    if any(name == ".init_array" for name, *_ in ld.sections):
        return False, ".init_array present: constructors never run in a loader (no C start-up)"
    return True, f"image 0x{lo:08X}-0x{hi:08X}, stack top 0x{(hi + 0x400 + 7) & ~7:08X}, {room // 1024} KB buffer room"


# ---- dynamic checks ------------------------------------------------------------------------------
def check_init_poisoned_bss(ctx: Ctx):
    h = ctx.harness()
    si = ctx.loader.storage()
    _nor(h, 0, bytes(range(256)))
    try:
        _readback(h, si.start, bytes(range(256)), "Init with .bss poisoned")
    except Fail as e:
        h0 = LoaderHarness(ctx.loader, board=ctx.board, nor_profile=ctx.nor_profile, zero_bss=True,
                           **ctx.board_kw)
        _nor(h0, 0, bytes(range(256)))
        try:
            _readback(h0, si.start, bytes(range(256)), "Init with .bss zeroed")
        except Fail:
            raise e from None
        raise Fail(f"{e}\n      with .bss zero-filled the same Init works: the loader depends on .bss being "
                   f"zero, but no C start-up runs in a loader (poison 0x{POISON[0]:02X}); zero .bss in Init "
                   f"(docs/external-loader-abi.md §3)") from None
    ctx.init_ok = True
    return True, "Init returns 1 with .bss poisoned; the window reads the NOR contents, first bytes included"


def check_init_twice(ctx: Ctx):
    _needs_init(ctx)
    h = ctx.harness()
    _nor(h, 0, bytes(range(256)))
    _call(h, "Init")  # the programmer calls Init again while the window is mapped
    _readback(h, ctx.loader.storage().start, bytes(range(256)), "Init called again")
    return True, "Init twice in a row: returns 1, window still right"


def check_init_after_abandoned_session(ctx: Ctx):
    _needs_init(ctx)
    h = ctx.harness()
    _nor(h, 0, bytes(range(256)))
    nor = h.m.nor
    nor.mode = "sopi" if nor.mode != "sopi" else "dopi"   # a previous run left another bus mode
    nor.changed(0, nor.size)
    h.reload()
    _readback(h, ctx.loader.storage().start, bytes(range(256)), f"Init with the NOR left in {nor.mode.upper()}")
    return True, "Init recovers a NOR left in another mode (resets it)"


def check_sector_erase(ctx: Ctx):
    _needs_init(ctx)
    h = ctx.initialised()
    si, S = ctx.loader.storage(), _sector(ctx)
    _nor(h, 0, b"\0" * 6 * S)
    _call(h, "SectorErase", si.start + S + 0x123, si.start + 2 * S + 5)  # unaligned, end inclusive
    _readback(h, si.start, b"\0" * S + b"\xff" * 2 * S + b"\0" * 3 * S, "SectorErase(a, b) end-inclusive")
    _call(h, "SectorErase", si.start + 3 * S, si.start + 3 * S)  # OpenOCD style: b = start of last
    _readback(h, si.start + 3 * S, b"\xff" * S + b"\0" * 2 * S, "SectorErase(a, a)")
    return True, "erases exactly the sectors meeting [a, b] (b inclusive, also b = sector start)"


def _write_case(ctx: Ctx, off: int, n: int, what: str):
    h = ctx.initialised()
    si, S = ctx.loader.storage(), _sector(ctx)
    lo, hi = off & ~(S - 1), (off + n + S - 1) & ~(S - 1)
    _call(h, "SectorErase", si.start + lo, si.start + hi - 1)
    data = ctx.rng.randbytes(n)
    try:
        buf = h.put_buffer(data)
    except LoaderError as e:
        raise Fail(f"{what}: {e} (docs/external-loader-abi.md §5.5: image + stack + largest chunk must fit)") from None
    r = _call(h, "Write", si.start + off, n, buf)
    _readback(h, si.start + off - 16, b"\xff" * 16 + data + b"\xff" * 16, what)
    return r


def check_write_unaligned(ctx: Ctx):
    _needs_init(ctx)
    _write_case(ctx, 0x10001, 0x2FF, "Write at an odd address, odd size, crossing pages")
    return True, "unaligned, odd-sized, page-crossing Write reads back exactly; neighbours untouched"


def check_write_sector_crossing(ctx: Ctx):
    _needs_init(ctx)
    S = _sector(ctx)
    r = _write_case(ctx, 0x40000 + 2 * S - 0x83, 2 * S + 0x107, "Write across sector boundaries")
    return True, f"multi-sector Write ({2 * S + 0x107:#x} bytes) reads back exactly ({r.virtual_s * 1e3:.1f} ms virtual)"


LARGE_CHUNK = 0x3C700  # CubeProgrammer's large Write chunks (docs/external-loader-abi.md §2)


def check_write_large_chunk(ctx: Ctx):
    _needs_init(ctx)
    n = LARGE_CHUNK + 0x31
    r = _write_case(ctx, 0x100000 + 0x1003, n, f"Write of one {n:#x}-byte chunk at an unaligned address")
    return True, (f"one {n:#x}-byte chunk at an unaligned address over {n // _sector(ctx) + 2} sectors reads "
                  f"back exactly ({r.virtual_s * 1e3:.0f} ms virtual)")


def check_verify(ctx: Ctx):
    if not ctx.loader.symbols.get("Verify"):
        return None
    _needs_init(ctx)
    h = ctx.initialised()
    si = ctx.loader.storage()
    data = bytes(h.read_mapped(si.start + 0x10001, 0x100))
    buf = h.put_buffer(data)
    m = si.start + 0x10001
    r = _call(h, "Verify", m, buf, 0x40, 0, want=None)
    # ST: R1 = CheckSum(M, 4W, 0) = byte sum of [M, (M & ~3) + 4W) (docs/external-loader-abi.md §4).
    want = sum(h.read_mapped(m, (m & ~3) + 0x100 - m)) & 0xFFFFFFFF
    if r.r0 != 0 or r.r1 != want:
        raise Fail(f"Verify on matching data returned R0=0x{r.r0:X} R1=0x{r.r1:X}; expected R0=0, "
                   f"R1=0x{want:X} (byte sum of [M, (M & ~3) + 4W)){_notes(h)}")
    h.put_buffer(data[:0x21] + bytes([data[0x21] ^ 0xFF]) + data[0x22:])
    r = _call(h, "Verify", si.start + 0x10001, buf, 0x40, 0, want=None)
    if r.r0 == 0:
        raise Fail("Verify on data differing at byte 0x21 returned R0=0 (success)")
    return True, "Verify: match -> R0=0, R1=byte sum; mismatch -> R0!=0"


def check_checksum(ctx: Ctx):
    if not ctx.loader.symbols.get("CheckSum"):
        return None
    _needs_init(ctx)
    h = ctx.initialised()
    si = ctx.loader.storage()
    s, n, init = si.start + 0x10001, 15, 5
    span = h.read_mapped(s, ((s & ~3) + n) - s)
    want = (init + sum(span)) & 0xFFFFFFFF
    r = _call(h, "CheckSum", s, n, init, want=None)
    if r.r0 != want:
        raise Fail(f"CheckSum(0x{s:08X}, {n}, {init}) = 0x{r.r0:X}; ST semantics give 0x{want:X} "
                   f"(InitVal + byte sum of [S, (S & ~3) + N))")
    return True, "CheckSum follows ST's reference semantics"


def check_mass_erase(ctx: Ctx):
    if not ctx.loader.symbols.get("MassErase"):
        return None
    _needs_init(ctx)
    h = ctx.initialised()
    si = ctx.loader.storage()
    r = _call(h, "MassErase", 0)
    _call(h, "Init")
    for off in (0, 0x10000, si.size // 2, si.size - 0x100):
        got = h.read_mapped(si.start + off, 0x100)
        if got != b"\xff" * 0x100:
            raise Fail(f"after MassErase 0x{si.start + off:08X} reads {got[:8].hex(' ')}, not erased")
    if h.m.nor.mem.count(0xFF) != len(h.m.nor.mem):
        raise Fail("after MassErase the NOR still holds programmed bytes")
    return True, f"whole device erased ({r.virtual_s:.1f} s virtual)"


def check_init_no_device(ctx: Ctx):
    """§5.13: with no memory answering, Init must return 0 within budget, not hang or fault."""
    _needs_init(ctx)
    from .devices.xfer import NoDevice
    h = ctx.harness()
    o = h.m.octospi1
    saved, o.device = o.device, NoDevice()
    try:
        h.reload()
        r = h.call("Init")
    finally:
        o.device = saved
    if not r.ok:
        raise Fail(f"with no NOR answering, {r.describe()}")
    if r.r0 != 0:
        raise Fail(f"with no NOR answering, Init returned {r.r0}: it must detect the missing memory and return 0")
    return True, f"with no NOR answering, Init returns 0 ({r.virtual_s * 1e3:.1f} ms virtual)"


CHECKS = [
    ("elf", check_elf), ("storage-info", check_storage_info), ("sectors", check_sectors),
    ("link", check_link), ("init-poisoned-bss", check_init_poisoned_bss), ("init-twice", check_init_twice),
    ("init-recovers-nor", check_init_after_abandoned_session), ("sector-erase", check_sector_erase),
    ("write-unaligned", check_write_unaligned), ("write-sector-crossing", check_write_sector_crossing),
    ("write-large-chunk", check_write_large_chunk),
    ("verify", check_verify), ("checksum", check_checksum), ("mass-erase", check_mass_erase),
    ("init-no-device", check_init_no_device),
]


def _classify(problem: str, notes: list[str]) -> str:
    """Which of CAUSES a failure most likely has: the simulator said it does not model something the
    loader used; the harness itself broke (its wall-clock guard, an internal error); else the loader."""
    if any(k in n for n in notes for k in _UNSUPPORTED) or "emulator error" in problem:
        return "unsupported by the simulator"
    if "of wall time" in problem or problem.startswith("internal error in the harness"):
        return "harness"
    return "loader bug"


def _context(ctx: Ctx, res: CheckResult) -> None:
    """For a failing check: the loader's PC where its last call stopped and what the simulator noted."""
    h = ctx.h
    if h is None:
        return
    if h.calls:
        last = h.calls[-1]
        res.pc = last.pc
        where = "returned" if last.ok else "stopped"
        res.message += f"\n      loader: {last.name} {where} at PC=0x{last.pc:08X}"
    seen = []
    for n in h.sim_notes():
        if n not in seen:
            seen.append(n)
    res.sim_notes = seen
    res.message += "".join(f"\n      {n}" for n in seen[:12])
    if len(seen) > 12:
        res.message += f"\n      ... {len(seen) - 12} more simulator note(s)"


def run_checks(loader: Loader, nor_profile: str = "typical", only=None, board: str = boards.DEFAULT,
               **board_kw):
    """Yields a CheckResult per check (iterates as (name, status, message)): status "PASS", "FAIL" or
    "N/A"; a FAIL carries its likely cause, the loader's PC and the simulator's notes. Every check runs on
    its own fresh board (Ctx.harness) in the connect state board_kw gives (LoaderHarness.connect)."""
    ctx = Ctx(loader, nor_profile, board=board, board_kw=board_kw)
    static = {"elf", "storage-info", "sectors", "link"}
    static_ok = True
    for name, fn in CHECKS:
        if only and name not in only and name not in static | {"init-poisoned-bss"}:
            continue  # the static checks and the first Init are every dynamic check's prerequisites
        if name not in static and not static_ok:
            yield CheckResult(name, "FAIL", "not run: the file fails the static checks above", "loader bug")
            continue
        ctx.h = None
        try:
            res = fn(ctx)
        except Fail as e:
            res = (False, str(e))
        except WindowFault as e:
            res = (False, f"the programmer's read of the memory window faults: {e}")
        except Exception as e:   # a bug of ours: reported as such, never a traceback
            res = (False, f"internal error in the harness: {type(e).__name__}: {e}")
        if res is None:
            yield CheckResult(name, "N/A", "function not present (optional)")
            continue
        ok, msg = res
        if name in static and not ok:
            static_ok = False
        out = CheckResult(name, "PASS" if ok else "FAIL", msg)
        if not ok:
            if name not in static:
                _context(ctx, out)
            out.cause = "loader bug" if name in static else _classify(msg, out.sim_notes)
        ctx.h = None
        yield out
