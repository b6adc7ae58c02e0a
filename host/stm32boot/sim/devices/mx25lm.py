"""Macronix MX25LM51245G octal NOR (64 MB) as seen on its pins (its datasheet;
DTR pitfalls: docs/hardware-notes.md).

Three bus modes: SPI (1S-1S-1S, power-on), SOPI (8S-8S-8S) and DOPI (8D-8D-8D), switched by WRCR2 at
CR2 address 0. A command framed for another mode is not understood (the device ignores it; reads see
the floating bus, 0xFF). What real loaders get wrong in DTR is modelled, not forgiven, and each case is
written to `trace`: wrong dummy cycles shift the data (2 bytes per cycle in DTR), no DQS garbles
reads, MTYP=Micron leaves 16-bit words swapped (the controller's part), odd addresses lose A0.

Program/erase take effect at once in the array; WIP stays set for the operation's time on the virtual
clock and commands other than RDSR and reset are ignored meanwhile (a read during busy therefore
cannot see the new data early). A memory-mapped window opened while WIP=1 gets no fast view: the
controller's per-access path asks the device, which ignores the read (the floating bus reads 0xFF
here; silicon stalls or returns garbage, not modelled) and the controller traces it; the fast view
comes back when WIP clears.

Block protection (SR BP[5:2], CR.TB) is enforced for program/erase: a refused operation sets P_FAIL
(b5) / E_FAIL (b6) in the security register (RDSCUR 0x2B, OPI 0x2BD4 with address and dummy like
RDSR, MX25LM51245G datasheet), clears WEL and does not start; a successful one clears its fail bit (our reading of
"check P_FAIL/E_FAIL after program/erase"). Protected area: BP=0 none, BP=0xF (and any BP covering
the whole chip) all; BP=n in between protects 2^(n-1) 64 KB blocks at the top (TB=0) or bottom (TB=1)
of the array: the usual Macronix table pattern, NOT verified against this part's datasheet.
Chip erase is refused whenever BP != 0.
"""
from __future__ import annotations

from ..clock import ms, seconds, us
from .xfer import MTYP_MACRONIX, Device, Transfer, shift_bits, swap16

MB = 1 << 20
PAGE, SECTOR, BLOCK = 256, 4096, 65536
JEDEC_ID = bytes((0xC2, 0x85, 0x3A))
SR_WIP, SR_WEL = 0x01, 0x02
SCUR_P_FAIL, SCUR_E_FAIL = 0x20, 0x40   # security register (MX25LM51245G datasheet)
CR_TB = 0x08
# CR2 address 0x300 DC[2:0] -> dummy cycles (MX25LM51245G datasheet).
DC_CYCLES = (20, 18, 16, 14, 12, 10, 8, 6)

PROFILES = {
    # Typical datasheet times (order of magnitude, not re-checked against the datasheet): what a real board would take.
    "typical": dict(page=us(150), sector=ms(25), block=ms(220), chip=seconds(150), reg=us(40), reset=us(40)),
    "zero": dict(page=0, sector=0, block=0, chip=0, reg=0, reset=0),
}

# opcode -> (name, address bytes in SPI (None: no address), kind)
SPI_CMDS = {
    0x9F: ("RDID", None, "id"), 0x05: ("RDSR", None, "sr"), 0x15: ("RDCR", None, "cr"),
    0x71: ("RDCR2", 4, "rdcr2"), 0x01: ("WRSR", None, "wrsr"), 0x72: ("WRCR2", 4, "wrcr2"),
    0x06: ("WREN", None, "wren"), 0x04: ("WRDI", None, "wrdi"),
    0x03: ("READ", 3, "read"), 0x13: ("READ4B", 4, "read"), 0x0B: ("FAST_READ", 3, "read"),
    0x0C: ("FAST_READ4B", 4, "read"), 0x02: ("PP", 3, "pp"), 0x12: ("PP4B", 4, "pp"),
    0x20: ("SE", 3, "se"), 0x21: ("SE4B", 4, "se"), 0xD8: ("BE", 3, "be"), 0xDC: ("BE4B", 4, "be"),
    0x60: ("CE", None, "ce"), 0xC7: ("CE", None, "ce"), 0x66: ("RSTEN", None, "rsten"),
    0x99: ("RST", None, "rst"), 0x2B: ("RDSCUR", None, "scur"),
}
SPI_DUMMY = {0x0B: 8, 0x0C: 8}
# OPI: opcode (first byte) -> (name, kind); address is always 4 bytes where one is taken.
OPI_CMDS = {
    0x9F: ("RDID", "id"), 0x05: ("RDSR", "sr"), 0x15: ("RDCR", "cr"), 0x71: ("RDCR2", "rdcr2"),
    0x01: ("WRSR", "wrsr"), 0x72: ("WRCR2", "wrcr2"), 0x06: ("WREN", "wren"), 0x04: ("WRDI", "wrdi"),
    0xEC: ("8READ", "read"), 0xEE: ("8DTRD", "read"), 0x12: ("PP4B", "pp"), 0x21: ("SE4B", "se"),
    0xDC: ("BE4B", "be"), 0x60: ("CE", "ce"), 0xC7: ("CE", "ce"), 0x66: ("RSTEN", "rsten"),
    0x99: ("RST", "rst"), 0x2B: ("RDSCUR", "scur"),
}
OPI_NEEDS_ADDR = {"id", "sr", "cr", "rdcr2", "wrsr", "wrcr2", "read", "pp", "se", "be", "scur"}
MODE_FRAME = {"spi": (1, False, 1), "sopi": (8, False, 2), "dopi": (8, True, 2)}  # lines, dtr, opcode bytes
MODE_NAME = {"spi": "SPI (1S-1S-1S)", "sopi": "SOPI (8S-8S-8S)", "dopi": "DOPI (8D-8D-8D)"}


class MX25LM51245G(Device):
    name = "MX25LM51245G"

    def __init__(self, clock=None, size: int = 64 * MB, profile: str = "typical", mem=None):
        super().__init__(clock)
        self.size = size
        self.mem = mem if mem is not None else bytearray(b"\xff") * size
        self.times = PROFILES[profile]
        self.stored = []        # fn(lo, hi) after the array changed (the state journal, sim/state.py)
        self.power = None       # sim/powercut.py: may cut power at an erase or program
        self.power_on()

    # ---- state ------------------------------------------------------------------------------
    def power_on(self) -> None:
        self.mode = "spi"
        self.sr = 0
        self.cr = 0x07
        self.cr2 = {0x0: 0, 0x200: 0, 0x300: 0, 0x500: 0, 0x4000_0000: 0}
        self.busy_until = 0
        self.reset_enabled = False
        self.scur = 0

    def _settle(self) -> None:
        if self.busy_until and self.now() >= self.busy_until:
            self.busy_until = 0
            self.sr &= ~(SR_WIP | SR_WEL)

    def busy(self) -> bool:
        self._settle()
        return bool(self.busy_until)

    def status(self) -> int:
        self._settle()
        return self.sr | (SR_WIP if self.busy_until else 0)

    def next_change(self) -> int | None:
        self._settle()
        return self.busy_until or None

    def array_dummy(self) -> int:
        return DC_CYCLES[self.cr2[0x300] & 7]

    def _start_busy(self, kind: str) -> None:
        t = self.times[kind]
        if self.clock is not None:
            self.clock.device_busy_ps += t
        if t:
            self.busy_until = self.now() + t
            self.sr |= SR_WIP
        else:
            self.sr &= ~(SR_WIP | SR_WEL)

    # ---- the wire ---------------------------------------------------------------------------
    def _decode(self, t: Transfer):
        """(opcode, name, kind, address) or None when the framing does not match the mode."""
        lines, dtr, nbytes = MODE_FRAME[self.mode]
        i = t.instruction
        if i is None:
            self.note(f"NOR: transfer without instruction ({t.describe()}): ignored")
            return None
        if i.lines != lines or i.dtr != dtr or i.size != nbytes:
            self.note(f"NOR: command 0x{i.value:0{i.size * 2}X} sent {i.size}-byte {i.fmt()} but the "
                      f"device is in {MODE_NAME[self.mode]}: not understood, ignored")
            return None
        if nbytes == 2:
            op, inv = i.value >> 8, i.value & 0xFF
            if inv != op ^ 0xFF:
                self.note(f"NOR: OPI command 0x{i.value:04X}: second byte must be the inverse "
                          f"0x{op ^ 0xFF:02X}: ignored")
                return None
            if op not in OPI_CMDS:
                self.note(f"NOR: OPI command 0x{i.value:04X} not modelled: ignored")
                return None
            name, kind = OPI_CMDS[op]
            want_addr = 4 if kind in OPI_NEEDS_ADDR else None
        else:
            op = i.value
            if op not in SPI_CMDS:
                self.note(f"NOR: SPI command 0x{op:02X} not modelled: ignored")
                return None
            name, want_addr, kind = SPI_CMDS[op]
        a = t.address
        if want_addr is None and a is not None and nbytes == 1:
            self.note(f"NOR: {name} takes no address but got one: ignored")
            return None
        if want_addr is not None:
            if a is None or a.size != want_addr:
                got = "none" if a is None else f"{a.size * 8}-bit"
                self.note(f"NOR: {name} needs a {want_addr * 8}-bit address, got {got}: ignored")
                return None
            if a.lines != lines or a.dtr != dtr:
                self.note(f"NOR: {name} address sent {a.fmt()} in {MODE_NAME[self.mode]}: ignored")
                return None
        if t.data_lines and (t.data_lines != lines or t.data_dtr != dtr):
            self.note(f"NOR: {name} data phase {t.data_lines}{'D' if t.data_dtr else 'S'} in "
                      f"{MODE_NAME[self.mode]}: ignored")
            return None
        addr = a.value if a is not None else 0
        if dtr and addr & 1 and kind in ("read", "pp"):
            self.note(f"NOR: {name} at odd address 0x{addr:X} in DTR: A0 is ignored, "
                      f"device uses 0x{addr & ~1:X} (8D-8D-8D moves 16-bit words: the data "
                      f"{'lands' if kind == 'pp' else 'starts'} one byte lower)")
            addr &= ~1
        return op, name, kind, addr

    def transfer(self, t: Transfer) -> bytes:
        out = self._transfer(t)
        if t.write:
            return b""
        return out if out is not None else b"\xff" * t.count

    def _transfer(self, t: Transfer):
        d = self._decode(t)
        if d is None:
            self.reset_enabled = False
            return None
        op, name, kind, addr = d
        if self.busy() and kind not in ("sr", "rsten", "rst"):
            self.note(f"NOR: {name} while busy (WIP=1, program/erase in progress): ignored")
            return None
        if kind == "rst":
            if not self.reset_enabled:
                self.note("NOR: RST without RSTEN just before: ignored")
                return None
            self.power_on()
            self._start_busy("reset")
            self.sr &= ~SR_WEL
            self.changed(0, self.size)  # mode changed: mapped views must be rebuilt
            return None
        self.reset_enabled = kind == "rsten"
        if kind in ("id", "sr", "cr", "rdcr2", "read", "scur"):
            return self._read(t, op, name, kind, addr)
        if kind == "rsten":
            return None
        if kind == "wren":
            self.sr |= SR_WEL
            return None
        if kind == "wrdi":
            self.sr &= ~SR_WEL
            return None
        if not self.sr & SR_WEL:
            self.note(f"NOR: {name} without WEL (no WREN before): ignored")
            return None
        data = t.data if t.write else b""
        if kind == "wrsr":
            return self._wrsr(addr if self.mode != "spi" else None, data)
        if kind == "wrcr2":
            return self._wrcr2(addr, data)
        if kind == "pp":
            return self._program(addr, data, name)
        return self._erase(kind, addr)

    # ---- reads ------------------------------------------------------------------------------
    def _read(self, t: Transfer, op: int, name: str, kind: str, addr: int) -> bytes:
        dtr = self.mode == "dopi"
        if kind == "read":
            if self.mode == "spi":
                expect = SPI_DUMMY.get(op, 0)
            else:
                good = 0xEE if dtr else 0xEC
                if op != good:
                    self.note(f"NOR: read 0x{t.instruction.value:04X} not valid in {MODE_NAME[self.mode]}: ignored")
                    return None
                expect = self.array_dummy()
        else:
            expect = 0 if self.mode == "spi" else (5 if dtr else 4)
        n = t.count
        bpc = t.data_lines * (2 if t.data_dtr else 1) if t.data_lines else 1
        lead = (expect - t.dummy) * bpc  # bits of bus noise before data (<0: data bits lost)
        extra = 0 if lead >= 0 else -(-(-lead) // 8)
        raw = self._source(kind, addr, n + extra + 2, dtr)
        if lead:
            what = "too few" if lead > 0 else "too many"
            self.note(f"NOR: {name} (0x{t.instruction.value:0{t.instruction.size * 2}X}) with "
                      f"{t.dummy} dummy cycles, device expects {expect}: {what}, data shifted by "
                      f"{abs(lead) / 8:g} bytes")
            raw = shift_bits(raw, lead, n + extra + 2)
        data = raw[:n]
        if dtr and not t.dqs:
            self.note(f"NOR: {name} in DTR without DQS (CCR.DQSE=0): data sampled off the strobe, garbled")
            data = bytes(b & 0x88 for b in data)
        return data

    def _source(self, kind: str, addr: int, n: int, dtr: bool) -> bytes:
        """The bytes the device drives for n bytes of data phase (wire order)."""
        if kind == "read":
            a = addr % self.size
            if a + n <= self.size:
                chunk = bytes(self.mem[a:a + n])
            else:
                chunk = bytes(self.mem[a:]) + bytes(self.mem[:a + n - self.size])
            return swap16(chunk) if dtr else chunk  # D1/D0 order on the wire in DTR (RM0468, OCTOSPI_DCR1.MTYP)
        if kind == "id":
            unit = bytes(b for b in JEDEC_ID for _ in (0, 1)) if dtr else JEDEC_ID
            return (unit + b"\x00" * n)[:n]
        if kind == "sr":
            v = self.status()
        elif kind == "scur":
            v = self.scur
        elif kind == "cr":
            v = self.cr
        else:
            v = self.cr2.get(addr, 0)
        return bytes([v]) * n  # registers repeat; DTR sends each value twice

    # ---- writes -----------------------------------------------------------------------------
    def _wrsr(self, addr, data: bytes):
        if not data:
            self.note("NOR: WRSR without data: ignored")
            return None
        if addr is None:  # SPI: SR then CR
            self.sr = (self.sr & 0x03) | (data[0] & 0xBC)
            if len(data) > 1:
                self.cr = data[1]
        elif addr == 0:
            self.sr = (self.sr & 0x03) | (data[0] & 0xBC)
        else:
            self.cr = data[0]
        self._start_busy("reg")
        return None

    def _wrcr2(self, addr: int, data: bytes):
        if not data:
            self.note("NOR: WRCR2 without data byte: ignored")
            return None
        if self.mode == "dopi" and len(data) < 2:
            self.note("NOR: WRCR2 in DOPI with a single byte (DTR needs 2): ignored")
            return None
        if addr not in self.cr2:
            self.note(f"NOR: WRCR2 to unmodelled CR2 address 0x{addr:X}: ignored")
            return None
        v = data[0]
        self.cr2[addr] = v
        self.sr &= ~SR_WEL
        if addr == 0:
            new = "dopi" if v & 2 else "sopi" if v & 1 else "spi"
            if new != self.mode:
                self.mode = new
                self.changed(0, self.size)
        elif addr == 0x300:
            self.changed(0, self.size)
        return None

    def _program(self, addr: int, data: bytes, name: str):
        if not data:
            self.note(f"NOR: {name} without data: ignored")
            return None
        if self.mode == "dopi":
            if len(data) & 1:
                self.note(f"NOR: {name} of {len(data)} bytes in DTR: odd count, last byte paired with 0xFF")
                data = data + b"\xff"
            data = swap16(data)  # wire D1/D0 order back to array order
        addr %= self.size
        page = addr & ~(PAGE - 1)
        if self._refused(page, page + PAGE, name, SCUR_P_FAIL):
            return None
        buf = bytearray(b"\xff") * PAGE
        start = addr - page
        if start + len(data) > PAGE:
            self.note(f"NOR: {name} of {len(data)} bytes at 0x{addr:X} crosses a 256-byte page: "
                      f"wraps to the page start")
            for k, b in enumerate(data):
                buf[(start + k) % PAGE] = b
        else:
            buf[start:start + len(data)] = data
        if self.power is not None and self.power.operation(
                self, "nor", "program", page, bytes(o & n for o, n in zip(self.mem[page:page + PAGE], buf)),
                self.times["page"]):
            return None
        mv = self.mem
        # program only clears bits: the page AND the buffer (0xFF where nothing is programmed)
        mv[page:page + PAGE] = (int.from_bytes(mv[page:page + PAGE], "little") &
                                int.from_bytes(buf, "little")).to_bytes(PAGE, "little")
        self._start_busy("page")
        self.changed(page, page + PAGE)
        for fn in self.stored:
            fn(page, page + PAGE)
        return None

    def _erase(self, kind: str, addr: int):
        if kind == "ce":
            lo, hi, t = 0, self.size, "chip"
        else:
            unit = SECTOR if kind == "se" else BLOCK
            lo = (addr % self.size) & ~(unit - 1)
            hi, t = lo + unit, "sector" if kind == "se" else "block"
        name = {"ce": "chip erase", "se": "sector erase", "be": "block erase"}[kind]
        if self._refused(lo, hi, name, SCUR_E_FAIL, chip=kind == "ce"):
            return None
        if self.power is not None and self.power.operation(self, "nor", "erase", lo, b"\xff" * (hi - lo),
                                                           self.times[t]):
            return None
        self.mem[lo:hi] = b"\xff" * (hi - lo)
        self._start_busy(t)
        self.changed(lo, hi)
        for fn in self.stored:
            fn(lo, hi)
        return None

    # ---- block protection -------------------------------------------------------------------
    def protected(self) -> tuple[int, int]:
        """[lo, hi) of the array protected by SR BP[5:2] and CR.TB (see the module docstring)."""
        bp = (self.sr >> 2) & 0xF
        if bp == 0:
            return 0, 0
        n = self.size if bp == 0xF else min(self.size, BLOCK << (bp - 1))
        return (0, n) if self.cr & CR_TB else (self.size - n, self.size)

    def _refused(self, lo: int, hi: int, name: str, bit: int, chip: bool = False) -> bool:
        plo, phi = self.protected()
        if (chip and phi > plo) or (lo < phi and plo < hi):
            self.scur |= bit
            self.sr &= ~SR_WEL
            self.note(f"NOR: {name} at 0x{lo:X} refused: protected by BP=0x{(self.sr >> 2) & 0xF:X} "
                      f"(0x{plo:X}-0x{phi - 1:X}); {'P_FAIL' if bit == SCUR_P_FAIL else 'E_FAIL'} set")
            return True
        self.scur &= ~bit
        return False

    # ---- memory-mapped fast path ------------------------------------------------------------
    def mapped_view(self, read: Transfer, write: Transfer | None):
        if self.busy():
            return None  # program/erase in flight: reads go to the wire (ignored while WIP=1)
        d = read.instruction
        lines, dtr, nbytes = MODE_FRAME[self.mode]
        if d is None or d.lines != lines or d.dtr != dtr or d.size != nbytes:
            return None
        a = read.address
        if a is None or a.lines != lines or a.dtr != dtr or read.data_lines != lines or read.data_dtr != dtr:
            return None
        if read.alternate is not None:
            return None
        if self.mode == "spi":
            if (a.size, d.value) not in ((4, 0x13), (4, 0x0C)):  # 3-byte reads alias above 16 MB
                return None
            if read.dummy != SPI_DUMMY.get(d.value, 0):
                return None
        else:
            if a.size != 4 or d.value != (0xEE11 if dtr else 0xEC13) or read.dummy != self.array_dummy():
                return None
            if dtr and (not read.dqs or read.mtyp != MTYP_MACRONIX):
                return None
        return self.mem, False
