"""Declared register maps: every peripheral model is a table of registers, one dispatcher runs them.

A model declares its registers as data (name, offset, reset value, fields with their access) and adds
behaviour in small callbacks named after the register:

    class Usart(Peripheral):
        REGS = (
            Reg("CR1", 0x00, fields=(Field("UE", 0), Field("RE", 2), Field("TE", 3))),
            Reg("ISR", 0x1C, reset=0xC0, access=RO),
            Reg("ICR", 0x20, access=W1C_TARGET("ISR")),   # see Reg.clears
            Reg("RDR", 0x24, access=RO),
        )
        def read_RDR(self, value):            # value = stored value; return what the bus sees
            ...
        def write_CR1(self, old, new):        # called after the stored value was updated
            ...

Access rules (applied by the dispatcher, before callbacks):
  RW   stored as written.
  RO   writes ignored (the model changes it with `self.set(...)`).
  WO   not stored; reads return 0; the write callback still sees the value.
  W1C  writing 1 to a bit clears it; writing 0 leaves it.
A register with fields treats bits outside its fields as reserved: written bits are dropped, reads 0.
A field may override the register's access (e.g. a RO BUSY bit in a RW register).

Unknown offsets and sub-word accesses that the register does not allow are reported through
`Bus.report(...)`, never silently absorbed.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Callable, Iterable

RW, RO, WO, W1C = "rw", "ro", "wo", "w1c"
_ACCESSES = (RW, RO, WO, W1C)


@dataclass(frozen=True)
class Field:
    name: str
    lsb: int
    width: int = 1
    access: str | None = None  # None: the register's access

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb


@dataclass(frozen=True)
class Reg:
    name: str
    offset: int
    reset: int = 0
    access: str = RW
    fields: tuple[Field, ...] = ()

    def __post_init__(self):
        assert self.access in _ACCESSES, self.access
        for f in self.fields:
            assert f.access in (None,) + _ACCESSES, (self.name, f)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name}.{name}")

    def masks(self) -> dict[str, int]:
        """Bit masks by access kind; without fields the whole word has the register's access."""
        out = {a: 0 for a in _ACCESSES}
        if not self.fields:
            out[self.access] = 0xFFFFFFFF
            return out
        for f in self.fields:
            out[f.access or self.access] |= f.mask
        return out


class UnmodelledAccess(Exception):
    """Raised in strict mode (tests) when firmware touches something no model declares."""


class Peripheral:
    """Base of every memory-mapped model. Subclasses declare REGS and optional callbacks.

    `clock_gate`: (RCC register name, bit) that must be set for the peripheral to respond; with the
    clock off, reads return 0 and writes are ignored, as on silicon (RM0468 §8.5: "a peripheral whose
    clock is disabled ... ").
    """

    REGS: tuple[Reg, ...] = ()
    SIZE = 0x400
    clock_gate: tuple[str, int] | None = None

    def __init__(self, name: str, base: int, board=None, clock_gate: tuple[str, int] | None = None):
        self.name = name
        self.base = base
        self.board = board  # gives .clock, .bus, .rcc ... (set by the board wiring)
        if clock_gate is not None:
            self.clock_gate = clock_gate
        self._by_off = {r.offset: r for r in self.REGS}
        self._by_name = {r.name: r for r in self.REGS}
        assert len(self._by_off) == len(self.REGS), f"{name}: duplicate offsets"
        self._masks = {r.offset: r.masks() for r in self.REGS}
        self._rd = {r.offset: getattr(self, "read_" + r.name, None) for r in self.REGS}
        self._wr = {r.offset: getattr(self, "write_" + r.name, None) for r in self.REGS}
        # What a read shows of the stored value: no WO bits, and no reserved bits in a register with fields.
        self._rmask = {r.offset: ((m[RW] | m[RO] | m[W1C]) if r.fields else 0xFFFFFFFF) & ~m[WO]
                       for r, m in ((r, self._masks[r.offset]) for r in self.REGS)}
        self._gate = None
        self._fields: dict[tuple[str, str], tuple[int, int, int]] = {}
        self.values: dict[int, int] = {}
        self.reset()

    # ---- state helpers used by models -------------------------------------------------------
    def reset(self) -> None:
        self.values = {r.offset: r.reset for r in self.REGS}

    def reg(self, name: str) -> Reg:
        return self._by_name[name]

    def get(self, name: str, fld: str | None = None) -> int:
        if fld is None:
            return self.values[self._by_name[name].offset]
        loc = self._fields.get((name, fld))
        if loc is None:        # resolved once per (register, field): models read fields on hot paths
            r = self._by_name[name]
            f = r.field(fld)
            loc = self._fields[(name, fld)] = (r.offset, f.mask, f.lsb)
        off, mask, lsb = loc
        return (self.values[off] & mask) >> lsb

    def set(self, name: str, value: int | None = None, **fields: int) -> None:
        """Model-side update that ignores access rules: set(name, value) or set(name, FIELD=v, ...)."""
        r = self._by_name[name]
        v = self.values[r.offset] if value is None else value & 0xFFFFFFFF
        for fname, fval in fields.items():
            f = r.field(fname)
            v = (v & ~f.mask) | ((int(fval) << f.lsb) & f.mask)
        self.values[r.offset] = v

    def clocked(self) -> bool:
        gate = self._gate
        if gate is not None:          # (RCC model, offset, bit): asked on every access, resolved once
            return bool(gate[0].values[gate[1]] >> gate[2] & 1)
        if self.clock_gate is None or self.board is None:
            return True
        rcc = getattr(self.board, "rcc", None)
        if rcc is None:
            return True
        reg, bit = self.clock_gate
        if not isinstance(rcc, Peripheral):
            return bool(rcc.get(reg) >> bit & 1)
        self._gate = (rcc, rcc.reg(reg).offset, bit)
        return bool(rcc.values[self._gate[1]] >> bit & 1)

    # ---- bus side: called by the dispatcher -------------------------------------------------
    def bus_read(self, offset: int, size: int) -> int:
        word_off = offset & ~3
        rmask = self._rmask.get(word_off)
        if rmask is None:
            self._report("read", offset, size)
            return 0
        if self.clock_gate is not None and not self.clocked():
            return 0
        v = self.values[word_off] & rmask
        cb = self._rd[word_off]
        if cb is not None:
            v = cb(v) & 0xFFFFFFFF
        shift = (offset & 3) * 8
        return (v >> shift) & ((1 << (size * 8)) - 1)

    def bus_write(self, offset: int, size: int, value: int) -> None:
        word_off = offset & ~3
        r = self._by_off.get(word_off)
        if r is None:
            self._report("write", offset, size, value)
            return
        if not self.clocked():
            return
        shift = (offset & 3) * 8
        lane = ((1 << (size * 8)) - 1) << shift
        value = (value << shift) & lane
        m = self._masks[word_off]
        old = self.values[word_off]
        new = old
        new = (new & ~(m[RW] & lane)) | (value & m[RW])
        new &= ~(value & m[W1C])
        self.values[word_off] = new
        cb = self._wr[word_off]
        if cb is not None:
            # WO bits are never stored; hand the written value to the callback through `new`.
            cb(old, new | (value & m[WO]))

    def _report(self, kind: str, offset: int, size: int, value: int | None = None) -> None:
        bus = getattr(self.board, "bus", None)
        if bus is not None:
            bus.report(self, kind, offset, size, value)
        else:
            raise UnmodelledAccess(f"{self.name}+0x{offset:03X}: unmodelled {kind}")


@dataclass
class Bus:
    """Routes addresses to models and reports unmodelled accesses with the peripheral, offset and PC.

    `strict=True` (the default in tests) raises; otherwise a warning is printed once per location.
    `pc` is a callable returning the current program counter (the machine supplies it).
    """

    strict: bool = False
    pc: Callable[[], int] = lambda: 0
    warn: Callable[[str], None] = print
    peripherals: list[Peripheral] = dc_field(default_factory=list)
    _seen: set = dc_field(default_factory=set)

    def add(self, p: Peripheral) -> Peripheral:
        for q in self.peripherals:
            if p.base < q.base + q.SIZE and q.base < p.base + p.SIZE:
                raise ValueError(f"{p.name} overlaps {q.name}")
        self.peripherals.append(p)
        return p

    def find(self, addr: int) -> Peripheral | None:
        for p in self.peripherals:
            if p.base <= addr < p.base + p.SIZE:
                return p
        return None

    def report(self, p: Peripheral | None, kind: str, offset: int, size: int, value=None) -> None:
        where = f"{p.name}+0x{offset:03X}" if p is not None else f"0x{offset:08X}"
        what = f"unmodelled {size * 8}-bit {kind} of {where}"
        if value is not None:
            what += f" (value 0x{value:X})"
        msg = f"{what} at PC=0x{self.pc():08X}"
        if self.strict:
            raise UnmodelledAccess(msg)
        key = (where, kind)
        if key not in self._seen:
            self._seen.add(key)
            self.warn("sim: warning: " + msg)


def declared_offsets(models: Iterable[type[Peripheral]]) -> dict[str, dict[str, int]]:
    """{model class name: {register name: offset}}: what the C-header cross-check test compares."""
    return {m.__name__: {r.name: r.offset for r in m.REGS} for m in models}
