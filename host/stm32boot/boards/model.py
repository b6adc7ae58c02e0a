"""The shape of a board description: memories with geometry, the console UART, the external NOR and RAM, and
which simulated chip (sim/chips/<sim_chip>.py) builds its machine.

`Memory` is also what the bootloader reports about itself (target.py builds one from protocol.h's
struct proto_mem and its sector runs): one type for both, compared field by field before any change."""
from __future__ import annotations

from dataclasses import dataclass, field

from .reset_lines import ResetLines


@dataclass(frozen=True)
class Memory:
    name: str               # one word, used on the wire and in messages: "flash", "nor"
    base: int
    size: int
    sectors: tuple[tuple[int, int], ...]  # runs of (count, size) in address order
    program_unit: int       # smallest programmable unit (H7 flash word: 32 bytes)
    page_size: int          # largest single program operation (NOR page: 256 bytes)
    erased: int = 0xFF
    kind: str = "internal"  # what the memory is: "internal" flash or "external_nor" (protocol.h PROTO_MEM_*)
    writable: bool = True
    reserved_top: int = 0   # bytes of the device past `size` the bootloader keeps (its application record)
    # What a bootloader reports beyond the geometry (0 / False in a board description, which keeps them
    # elsewhere: Board.bootloader_size); not part of the comparison of the two (geometry()).
    protected_size: int = field(default=0, compare=False)  # bytes at base the bootloader refuses to change
    block_size: int = field(default=0, compare=False)      # one-command erase unit above a sector, 0: none
    chip_erase: bool = field(default=False, compare=False) # the whole memory erases with one command

    @property
    def end(self) -> int:
        return self.base + self.size

    @property
    def device_size(self) -> int:
        """The whole device, reserved sectors included (what a chip-level tool such as a loader sees)."""
        return self.size + self.reserved_top

    @property
    def device_sectors(self) -> tuple[tuple[int, int], ...]:
        if not self.reserved_top:
            return self.sectors
        count, size = self.sectors[-1]
        assert self.reserved_top % size == 0, f"{self.name}: reserved_top is not whole sectors"
        return self.sectors[:-1] + ((count + self.reserved_top // size, size),)

    def contains(self, addr: int, length: int = 1) -> bool:
        return self.base <= addr and addr + length <= self.end

    def geometry(self) -> tuple:
        """What must agree between the board description and the bootloader before anything changes."""
        return (self.base, self.size, tuple(tuple(r) for r in self.sectors), self.program_unit, self.page_size)

    @property
    def sector_count(self) -> int:
        return sum(count for count, _ in self.sectors)

    def sector_index(self, addr: int) -> int:
        """The number of the sector holding addr (0 for the first sector at base)."""
        return self._locate(addr)[0]

    def sector_at(self, addr: int) -> tuple[int, int]:
        """(start, size) of the sector holding addr."""
        _, start, size = self._locate(addr)
        return start, size

    def _locate(self, addr: int) -> tuple[int, int, int]:
        """(index, start, size) of the sector holding addr, from the runs: no list of every sector
        (an 8 MB NOR has 2,048 of them, a 64 MB one 16,384)."""
        if not self.contains(addr):
            raise ValueError(f"0x{addr:08X} is outside {self.name}")
        index, a = 0, self.base
        for count, size in self.sectors:
            if addr < a + count * size:
                k = (addr - a) // size
                return index + k, a + k * size, size
            index, a = index + count, a + count * size
        raise ValueError(f"{self.name}: sectors do not add up to the size")

    def sectors_covering(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """[(start, size)] of every sector that holds a byte of [lo, hi)."""
        out, a = [], lo
        while a < hi:
            s, n = self.sector_at(a)
            out.append((s, n))
            a = s + n
        return out

    def sector_list(self) -> list[tuple[int, int]]:
        """[(address, size), ...] for every sector."""
        out, a = [], self.base
        for count, size in self.sectors:
            for _ in range(count):
                out.append((a, size))
                a += size
        assert a == self.end, f"{self.name}: sectors do not add up to the size"
        return out


@dataclass(frozen=True)
class Uart:
    name: str
    tx_pin: str
    rx_pin: str
    af: int
    default_baud: int = 115200


@dataclass(frozen=True)
class Nor:
    """The board's external NOR: which part sits on which controller. `parts` are the parts this board
    is fitted with across revisions (the first is the default); the simulator models each of them."""
    parts: tuple[str, ...]   # device model names, e.g. ("n25q128a", "w25q128jv")
    controller: str          # peripheral instance it is wired to: "OCTOSPI1", "QUADSPI"
    pins: tuple[tuple[str, str, int], ...] = ()   # (signal, pin, AF): the routing the controller needs

    @property
    def default(self) -> str:
        return self.parts[0]


@dataclass(frozen=True)
class ExtRam:
    """A RAM the board wires to an external-memory controller (volatile; nothing the bootloader programs):
    which part on which controller, and the pins that route it."""
    part: str                # device model name, e.g. "s70kl1281"
    controller: str          # peripheral instance it is wired to: "OCTOSPI2"
    pins: tuple[tuple[str, str, int], ...] = ()   # (signal, pin, AF): the routing the controller needs


@dataclass(frozen=True)
class Board:
    name: str
    title: str
    chip: str
    dev_id: int                 # DBGMCU_IDCODE.DEV_ID
    memories: tuple[Memory, ...]
    console: Uart
    hse_hz: int
    bootloader_size: int        # bytes reserved at the start of internal flash for our bootloader
    ram: tuple[tuple[str, int, int], ...]  # (name, base, size) of RAM regions
    sim_chip: str = ""          # simulated chip: module stm32boot.sim.chips.<sim_chip>
    nor: Nor | None = None      # external NOR wiring, None when the board has none
    ext_ram: ExtRam | None = None   # external RAM wiring, None when the board has none
    reset_lines: ResetLines = ResetLines()   # modem lines of the board's serial port wired to NRST/BOOT0
    # Typical time the bootloader takes to decode a compressed frame, per data byte (its core clock;
    # measured on the simulated board by tests/bench/bench_compress.py): weighs compress.pays().
    inflate_s_per_byte: float = 1e-6

    def memory(self, name: str) -> Memory:
        for m in self.memories:
            if m.name == name:
                return m
        raise KeyError(name)

    def memory_at(self, addr: int, length: int = 1) -> Memory | None:
        for m in self.memories:
            if m.contains(addr, length):
                return m
        return None
