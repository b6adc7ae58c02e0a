"""The wire between a serial-memory controller (OCTOSPI, later QUADSPI) and the device on its port.

The controller turns its registers into a `Transfer` (what it clocks out: phases with their line
counts and STR/DTR, dummy cycles, whether it samples on DQS, and the data direction) and hands it to
the device, which answers with the bytes it drives on the data lines. Bytes are in WIRE order: the
controller applies its own byte-order rules (RM0468, OCTOSPI_DCR1.MTYP) on top. Devices never see
controller registers, so the same controller drives a NOR or a HyperRAM and a new part is one file.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Phase:
    """One phase: value of `size` bytes clocked on `lines` (1/2/4/8) lines, DTR or not."""
    value: int
    size: int
    lines: int
    dtr: bool = False

    def cycles(self) -> int:
        bits_per_cycle = self.lines * (2 if self.dtr else 1)
        return -(-self.size * 8 // bits_per_cycle)

    def fmt(self) -> str:
        return f"{self.lines}{'D' if self.dtr else 'S'}"


# Memory types (RM0468, OCTOSPI_DCR1.MTYP).
MTYP_MICRON, MTYP_MACRONIX, MTYP_STANDARD, MTYP_MACRONIX_RAM, MTYP_HYPER_MEM, MTYP_HYPER_REG = range(6)


@dataclass
class Transfer:
    instruction: Phase | None = None
    address: Phase | None = None
    alternate: Phase | None = None
    dummy: int = 0                 # dummy cycles (CLK cycles, also in DTR)
    dqs: bool = False              # controller samples read data on DQS
    data_lines: int = 0            # 0: no data phase
    data_dtr: bool = False
    write: bool = False
    data: bytes = b""              # bytes out (write)
    count: int = 0                 # bytes in (read)
    mtyp: int = MTYP_MICRON
    latency: dict = field(default_factory=dict)  # HyperBus: {"tacc":, "fixed":, "wzl":}
    cs_boundary: int = 0           # controller's DCR3.CSBOUND span in bytes (0: off); it splits for us
    burst_start: int | None = None  # memory-mapped prefetch: address where this nCS-low burst began

    def data_cycles(self, nbytes: int) -> int:
        if not self.data_lines:
            return 0
        return -(-nbytes * 8 // (self.data_lines * (2 if self.data_dtr else 1)))

    def cycles(self) -> int:
        n = sum(p.cycles() for p in (self.instruction, self.address, self.alternate) if p)
        return n + self.dummy + self.data_cycles(len(self.data) if self.write else self.count)

    def describe(self) -> str:
        parts = []
        if self.instruction:
            i = self.instruction
            parts.append(f"cmd 0x{i.value:0{i.size * 2}X} ({i.fmt()})")
        if self.address:
            a = self.address
            parts.append(f"addr 0x{a.value:X}/{a.size * 8}b ({a.fmt()})")
        if self.dummy:
            parts.append(f"{self.dummy} dummy")
        if self.data_lines:
            d = f"{self.data_lines}{'D' if self.data_dtr else 'S'}"
            parts.append(f"write {len(self.data)} B ({d})" if self.write else f"read {self.count} B ({d})")
        return ", ".join(parts) or "empty transfer"


class Device:
    """Base of every device on a controller port. Subclasses implement `transfer`.

    `trace` collects human-readable notes about requests the device did not understand or answered
    differently from what a driver probably expected (the loader harness prints them).
    """

    name = "device"
    wrap_sizes: tuple = ()          # wrapped-read lengths (bytes) the device supports (DCR2.WRAPSIZE)
    t_csm_ps: int | None = None     # max nCS-low time (HyperRAM tCSM), None: no limit

    def __init__(self, clock=None):
        self.clock = clock
        self.trace: list[str] = []
        self.listeners: list = []   # callables(lo, hi) told when contents change (mapped views)

    def note(self, msg: str) -> None:
        if not self.trace or self.trace[-1] != msg:
            self.trace.append(msg)
            del self.trace[:-200]

    def now(self) -> int:
        return self.clock.now if self.clock is not None else 0

    def changed(self, lo: int, hi: int) -> None:
        for fn in self.listeners:
            fn(lo, hi)

    def transfer(self, t: Transfer) -> bytes:
        raise NotImplementedError

    def next_change(self) -> int | None:
        """Virtual time (ps) at which status may change by itself (end of busy), or None."""
        return None

    def mapped_view(self, read: Transfer, write: Transfer | None):
        """How a memory-mapped window with these read/write templates (address/count unset) looks.

        Returns (buffer, writable) when reads return the buffer's bytes exactly (the window can be
        mapped at memory speed), or None when a slower per-access path must compute what the wire
        carries (wrong configuration, transformed data)."""
        return None


class NoDevice(Device):
    """An unconnected port: nothing drives the data lines, the controller reads all ones."""

    name = "nothing"

    def transfer(self, t: Transfer) -> bytes:
        return b"" if t.write else b"\xff" * t.count


def swap16(data: bytes) -> bytes:
    """Swap the bytes of each 16-bit word (Macronix D1/D0 order in 8D-8D-8D; RM0468, OCTOSPI_DCR1.MTYP)."""
    b = bytearray(data)
    n = len(b) & ~1
    b[0:n:2], b[1:n:2] = data[1:n:2], data[0:n:2]
    return bytes(b)


def shift_bits(data: bytes, shift: int, n: int) -> bytes:
    """First `n` bytes of a stream delayed by `shift` bits (zeros clocked first) or, with a negative
    shift, advanced (the first -shift bits lost; the caller supplies enough trailing bytes)."""
    width = len(data) * 8
    v = int.from_bytes(data, "big") if data else 0
    if shift >= 0:
        v >>= shift
    else:
        v = (v << -shift) & ((1 << width) - 1)
    return v.to_bytes(len(data), "big")[:n] if data else b""
