"""A quad-SPI NOR as seen on its pins: the behaviour the N25Q128A and W25Q128JV share (3-byte addresses,
256 B pages, WEL/WIP, block protection, program/erase on the virtual clock), driven by a part description
(`Part`: opcodes with their line counts and dummy cycles, IDs, times). A part file (n25q128a.py,
w25q128jv.py) adds only its own registers. Devices see `Transfer`s (xfer.py), never controller registers.

What a wrong driver gets, each case noted in `trace`:
  - a command framed on other line counts than the part's protocol expects is not understood: ignored,
    a read sees the floating bus (0xFF);
  - a read with another dummy-cycle count than the device's configuration returns the data shifted
    (too few cycles: the first bits sampled are bus noise, read as 0 - the "first bytes read 0" report;
    too many: the first bits are lost);
  - program/erase/register writes without WEL=1 are ignored; anything but the status reads while busy is
    ignored (a read during an erase sees nothing, a second program is lost);
  - program/erase of a protected area is refused (the part says how it reports it);
  - page program wraps inside its 256-byte page; program only clears bits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .xfer import Device, Transfer, shift_bits

PAGE = 256
SR_WIP, SR_WEL = 0x01, 0x02


@dataclass(frozen=True)
class Cmd:
    name: str
    kind: str               # id, rdsr, wrsr, wren, wrdi, read, pp, erase, rsten, rst, reg
    addr_lines: int = 0     # 0: no address
    data_lines: int = 0
    dummy: int | None = 0   # None: from the part's configuration (fast reads)
    dtr: bool = False
    erase: int = 0          # bytes erased (0 = whole chip for kind "erase")
    quad: bool = False      # uses IO2/IO3 (the W25Q needs QE=1)


@dataclass(frozen=True)
class Part:
    name: str
    jedec: bytes
    size: int
    cmds: dict
    times: dict                       # profile -> {page, 4k, 32k, 64k, chip, wrsr, ...} in ps
    bp_bits: tuple = (2, 3, 4)        # SR bit positions of BP0.. (LSB first)
    tb_bit: int = 5
    protect_unit: int = 64 * 1024     # BP=1 protects this many bytes at the top (TB=0) or bottom
    extra: dict = field(default_factory=dict)


class SpiNor(Device):
    part: Part = None

    def __init__(self, clock=None, profile: str = "typical", mem=None):
        super().__init__(clock)
        self.name = self.part.name
        self.size = self.part.size
        self.mem = mem if mem is not None else bytearray(b"\xff") * self.size
        self.times = self.part.times[profile]
        self.busy_until = 0
        self._pending_done = None
        self.sr = 0
        self.on_nv = None             # callable(dict): non-volatile registers changed (the state keeps them)
        self.power_on()

    # ---- state ------------------------------------------------------------------------------
    def power_on(self) -> None:
        self.sr &= ~(SR_WIP | SR_WEL)    # the protection bits are non-volatile
        self.reset_enabled = False
        self.xip = None                   # the read command a continuous-read/XIP state repeats

    def _settle(self) -> None:
        if self.busy_until and self.now() >= self.busy_until:
            self.busy_until = 0
            self.sr &= ~(SR_WIP | SR_WEL)
            done, self._pending_done = self._pending_done, None
            if done is not None:
                done()

    def busy(self) -> bool:
        self._settle()
        return bool(self.busy_until)

    def status(self) -> int:
        self._settle()
        return self.sr | (SR_WIP if self.busy_until else 0)

    def next_change(self):
        self._settle()
        return self.busy_until or None

    def _start_busy(self, key: str, done=None) -> None:
        t = self.times[key]
        if self.clock is not None:
            self.clock.device_busy_ps += t
        if t and self.clock is not None:
            self.busy_until = self.now() + t
            self.sr |= SR_WIP
            self._pending_done = done
        else:
            self.sr &= ~(SR_WIP | SR_WEL)
            if done is not None:
                done()

    # ---- hooks a part overrides -----------------------------------------------------------------
    def protocol_lines(self) -> int:
        """Lines the instruction travels on (1 for extended SPI)."""
        return 1

    def read_dummy(self, cmd: Cmd) -> int:
        return cmd.dummy or 0

    def quad_ok(self, cmd: Cmd) -> bool:
        return True

    def register_cmd(self, op: int, cmd: Cmd, t: Transfer) -> bytes | None:
        """Part-specific registers (flag status, configuration, SR2/SR3)."""
        return None

    def refused(self, kind: str, addr: int) -> None:
        """A program/erase on a protected area: how the part reports it (default: silently)."""
        self.note(f"{self.name}: {kind} at 0x{addr:06X} is in a protected area (BP/TB): refused")

    def op_failed_reset(self) -> None:
        pass

    def id_bytes(self) -> bytes:
        return self.part.jedec

    def readable_while_busy(self, cmd: Cmd) -> bool:
        return cmd.kind == "rdsr"

    # ---- protection ---------------------------------------------------------------------------
    def bp(self) -> int:
        return sum((self.sr >> b & 1) << i for i, b in enumerate(self.part.bp_bits))

    def protected(self, lo: int, hi: int) -> bool:
        bp = self.bp()
        if bp == 0:
            return False
        span = min(self.part.protect_unit << (bp - 1), self.size)
        plo, phi = (0, span) if self.sr >> self.part.tb_bit & 1 else (self.size - span, self.size)
        return lo < phi and plo < hi

    # ---- the wire ------------------------------------------------------------------------------
    def _lines_ok(self, cmd: Cmd, t: Transfer) -> str | None:
        proto = self.protocol_lines()
        want_i = proto
        want_a = max(cmd.addr_lines, proto) if cmd.addr_lines else 0
        want_d = max(cmd.data_lines, proto) if cmd.data_lines else 0
        got_a = t.address.lines if t.address else 0
        if t.instruction.lines != want_i:
            return f"instruction on {t.instruction.lines} line(s), the device expects {want_i}"
        if got_a != want_a:
            return f"address on {got_a} line(s), {cmd.name} takes {want_a}"
        if t.address is not None and t.address.size != 3:
            return f"{t.address.size * 8}-bit address, the device takes 24-bit addresses"
        if want_d and t.data_lines and t.data_lines != want_d:
            return f"data on {t.data_lines} line(s), {cmd.name} uses {want_d}"
        if cmd.dtr != bool(t.address.dtr if t.address else t.data_dtr):
            return f"{'DTR' if not cmd.dtr else 'STR'} framing for a {'DTR' if cmd.dtr else 'STR'} command"
        return None

    def transfer(self, t: Transfer) -> bytes:
        self._settle()
        if t.instruction is None:
            if self.xip is not None and not self.busy():
                return self._read(t, self.xip, self.part.cmds[self.xip])
            self.note(f"{self.name}: a frame without instruction while not in XIP/continuous read: ignored")
            return self._float(t)
        op = t.instruction.value & 0xFF
        cmd = self.part.cmds.get(op)
        if cmd is None:
            self.note(f"{self.name}: unknown command 0x{op:02X}: ignored")
            return self._float(t)
        why = self._lines_ok(cmd, t)
        if why:
            self.note(f"{self.name}: {cmd.name} (0x{op:02X}) {why}: not understood, ignored")
            return self._float(t)
        if cmd.quad and not self.quad_ok(cmd):
            self.note(f"{self.name}: {cmd.name} (0x{op:02X}) needs the quad-enable bit (QE=0): IO2/IO3 are "
                      f"/WP and /HOLD, the command does not work")
            return self._float(t)
        if self.busy_until and not self.readable_while_busy(cmd):
            self.note(f"{self.name}: {cmd.name} while a program/erase is in progress (WIP=1): ignored")
            return self._float(t)
        if cmd.kind != "rst":
            self.reset_enabled = cmd.kind == "rsten"
        k = cmd.kind
        if k == "rdsr":
            return self._repeat(bytes([self.status()]), t.count)
        if k == "id":
            return (self.id_bytes() + b"\x00" * t.count)[:t.count]
        if k == "wren":
            self.sr |= SR_WEL
            return b""
        if k == "wrdi":
            self.sr &= ~SR_WEL
            return b""
        if k == "rst":
            if self.reset_enabled:
                self.reset_enabled = False
                self.power_on()
                self.note(f"{self.name}: software reset")
            else:
                self.note(f"{self.name}: RESET MEMORY without RESET ENABLE just before: ignored")
            return b""
        if k == "rsten":
            return b""
        if k == "read":
            return self._read(t, op, cmd)
        reply = self.register_cmd(op, cmd, t)
        if reply is not None:
            return reply
        if k in ("pp", "erase", "wrsr") and not self.sr & SR_WEL:
            self.note(f"{self.name}: {cmd.name} without WREN (WEL=0): ignored")
            return b""
        if k == "pp":
            self._program(t.address.value, t.data)
        elif k == "erase":
            self._erase(cmd, t.address.value if t.address else 0)
        elif k == "wrsr":
            self._write_sr(t.data)
        return b"" if t.write else self._float(t)

    @staticmethod
    def _repeat(b: bytes, n: int) -> bytes:
        return (b * (n // len(b) + 1))[:n] if n else b""

    @staticmethod
    def _float(t: Transfer) -> bytes:
        return b"" if t.write else b"\xff" * t.count

    def _expected_dummy(self, t: Transfer, cmd: Cmd) -> int:
        return self.read_dummy(cmd)

    def _read(self, t: Transfer, op: int, cmd: Cmd) -> bytes:
        expect = self._expected_dummy(t, cmd)
        got = t.dummy + (t.alternate.cycles() if t.alternate is not None else 0)
        addr = t.address.value if t.address is not None else 0
        n = t.count
        bpc = (t.data_lines or 1) * (2 if t.data_dtr else 1)
        lead = (expect - got) * bpc
        extra = 0 if lead >= 0 else -(-(-lead) // 8)
        a = addr % self.size
        raw = bytes(self.mem[a:a + n + extra + 2])
        if len(raw) < n + extra + 2:   # reads wrap at the end of the array
            raw += bytes(self.mem[:n + extra + 2 - len(raw)])
        if lead:
            what = "too few" if lead > 0 else "too many"
            self.note(f"{self.name}: {cmd.name} (0x{op:02X}) with {got} dummy cycles, the device is set for "
                      f"{expect}: {what}, data shifted by {abs(lead) / 8:g} bytes")
            raw = shift_bits(raw, lead, n + extra + 2)
        self.after_read(op, cmd, t)
        return raw[:n]

    def after_read(self, op, cmd, t) -> None:
        pass

    def _program(self, addr: int, data: bytes) -> None:
        if self.protected(addr & ~(PAGE - 1), (addr & ~(PAGE - 1)) + PAGE):
            self.sr &= ~SR_WEL
            self.refused("program", addr)
            return
        if len(data) > PAGE:
            self.note(f"{self.name}: {len(data)} bytes in one page program: only the last 256 are kept")
            data = data[-PAGE:]
        page = addr & ~(PAGE - 1)
        if (addr & (PAGE - 1)) + len(data) > PAGE:
            self.note(f"{self.name}: page program at 0x{addr:06X} of {len(data)} bytes wraps inside its page")
        buf = bytearray(b"\xff") * PAGE
        start = addr & (PAGE - 1)
        if start + len(data) <= PAGE:
            buf[start:start + len(data)] = data
        else:
            for i, b in enumerate(data):
                buf[(start + i) & (PAGE - 1)] &= b
        # program only clears bits: the page AND the buffer (0xFF where nothing is programmed)
        new = (int.from_bytes(self.mem[page:page + PAGE], "little") &
               int.from_bytes(buf, "little")).to_bytes(PAGE, "little")
        if self._power_cut("program", page, new, "page"):
            return
        self.mem[page:page + PAGE] = new
        self.changed(page, page + PAGE)
        self._start_busy("page")

    def _erase(self, cmd: Cmd, addr: int) -> None:
        size = cmd.erase or self.size
        lo = addr & ~(size - 1) if cmd.erase else 0
        if self.protected(lo, lo + size) if cmd.erase else self.bp():
            self.sr &= ~SR_WEL
            self.refused("erase", lo)
            return
        key = {4096: "4k", 32768: "32k", 65536: "64k"}.get(cmd.erase, "chip")
        if self._power_cut("erase", lo, b"\xff" * size, key):
            return
        self.mem[lo:lo + size] = b"\xff" * size
        self.changed(lo, lo + size)
        self._start_busy(key)

    def _power_cut(self, kind: str, lo: int, target: bytes, key: str) -> bool:
        """sim/powercut.py may end the power during this operation (True: it did; the array holds what the
        cut left, and nothing more happens)."""
        pc = getattr(self, "power", None)
        return pc is not None and pc.operation(self, "nor", kind, lo, target, self.times[key])

    def _write_sr(self, data: bytes) -> None:
        if data:
            self.sr = (self.sr & (SR_WIP | SR_WEL)) | (data[0] & ~(SR_WIP | SR_WEL))
            self._nv_changed()
        self._start_busy("wrsr")

    # ---- non-volatile registers (kept in the board's state directory) ---------------------------
    def nv(self) -> dict:
        return {"sr": self.sr & ~(SR_WIP | SR_WEL)}

    def load_nv(self, d: dict) -> None:
        self.sr = d.get("sr", 0) & ~(SR_WIP | SR_WEL)

    def _nv_changed(self) -> None:
        if self.on_nv is not None:
            self.on_nv(self.nv())

    # ---- memory-mapped fast path ------------------------------------------------------------------
    def mapped_view(self, read: Transfer, write):
        if self.busy() or read.instruction is None:
            return None
        op = read.instruction.value & 0xFF
        cmd = self.part.cmds.get(op)
        if cmd is None or cmd.kind != "read" or self._lines_ok(cmd, read) or not self.quad_ok(cmd):
            return None
        if read.dummy + (read.alternate.cycles() if read.alternate else 0) != self._expected_dummy(read, cmd):
            return None
        if read.alternate is not None and not self.alternate_ok(read):
            return None
        return self.mem, False

    def alternate_ok(self, t: Transfer) -> bool:
        return False
