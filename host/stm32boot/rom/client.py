"""An AN3155 client: speaks ST's ROM (system-memory) USART bootloader over any byte transport with
write(data), read(timeout) -> bytes, now() (seconds on the transport's clock) and a `name`.

Timeouts come from the chip's row in devices.py (AN2606 start-up and connection times, datasheet erase
and program times, doubled as a margin) once Get ID has named the chip; before that, from the slowest
row. Every NACK is raised as Nack with the command and the stage that was refused; diagnose.py turns
it into a cause.
"""
from __future__ import annotations

from . import frame as F
from .devices import DEVICES, Device, lookup
from .frame import ACK, NACK, Cmd

LINK_SLACK_S = 0.1          # host turnaround (USB-UART latency timers reach 16 ms) and scheduling
SYNC_TRIES = 3
# AN2606 timing tables: the slowest start-up of the chips we know (F105/107 with PA9 high: 524.4 ms) and
# the slowest 0x7F-to-ACK (the same chip: 105.2 ms).
WORST_STARTUP_S = 0.525
WORST_SYNC_S = 0.106
BLOCKED_BY_RDP = (Cmd.READ, Cmd.GO, Cmd.WRITE, Cmd.ERASE, Cmd.EXT_ERASE, Cmd.WRITE_PROTECT,
                  Cmd.WRITE_UNPROTECT, Cmd.READOUT_PROTECT, Cmd.GET_CHECKSUM)


class RomError(OSError):
    """A user-facing failure of the ROM bootloader session."""


class NoAnswer(RomError):
    def __init__(self, msg, cmd=None, stage=""):
        super().__init__(msg)
        self.cmd, self.stage = cmd, stage


class Nack(RomError):
    def __init__(self, cmd: int, stage: str, addr: int | None = None):
        where = f" at 0x{addr:08X}" if addr is not None else ""
        super().__init__(f"the ROM bootloader refused {F.NAMES.get(cmd, hex(cmd))} (0x{cmd:02X}){where} "
                         f"with NACK after the {stage}")
        self.cmd, self.stage, self.addr = cmd, stage, addr


class RomClient:
    def __init__(self, transport, baud: int = 115200):
        self.t = transport
        self.baud = baud
        self._rx = bytearray()
        self.dev: Device | None = None
        self.version = None
        self.cmds: list[int] = []
        self.pid = None
        self.bytes_out = 0

    # ---- bytes -----------------------------------------------------------------------------------
    def _send(self, data: bytes) -> None:
        self.bytes_out += len(data)
        self.t.write(bytes(data))

    def _take(self, n: int, timeout: float, what: str, cmd=None) -> bytes:
        end = self.t.now() + timeout
        while len(self._rx) < n:
            left = end - self.t.now()
            if left <= 0:
                raise NoAnswer(f"no answer from the ROM bootloader within {timeout:.3g} s while waiting "
                               f"for {what}", cmd, what)
            self._rx += self.t.read(left)
        out = bytes(self._rx[:n])
        del self._rx[:n]
        return out

    def _drain(self) -> None:
        """Some bootloaders answer a refused command with two NACKs (AN2606: F40x V3.1, L1 C/D/E with
        read protection): swallow what follows so the next command starts in step."""
        end = self.t.now() + self._short()
        while (left := end - self.t.now()) > 0:
            if not self.t.read(left):
                break
        self._rx.clear()

    def _wire(self, n: int) -> float:
        return F.wire_seconds(n, self.baud)

    def _ack(self, cmd: int, stage: str, timeout: float, addr=None) -> None:
        b = self._take(1, timeout, f"the ACK of {F.NAMES.get(cmd, hex(cmd))} after the {stage}", cmd)[0]
        if b == ACK:
            return
        if b == NACK:
            self._drain()
            raise Nack(cmd, stage, addr)
        raise RomError(f"the ROM bootloader answered 0x{b:02X} (neither ACK nor NACK) to "
                       f"{F.NAMES.get(cmd, hex(cmd))} after the {stage}: the link is out of step "
                       f"(wrong baud rate or parity, or another program on the port); reset the board")

    def _short(self) -> float:
        sync = self.dev.sync_s if self.dev else WORST_SYNC_S
        return 2 * sync + LINK_SLACK_S

    def _start(self, cmd: int) -> None:
        self._send(F.command(cmd))
        self._ack(cmd, "command byte", self._short() + self._wire(4))

    # ---- session ------------------------------------------------------------------------------------
    def sync(self, tries: int = SYNC_TRIES) -> str:
        """0x7F until ACK. AN3155 §2: the bootloader measures the first 0x7F after reset and answers ACK;
        a bootloader already synchronised reads a later 0x7F as an unknown command and NACKs it, which
        also means it is listening. The wait covers AN2606's slowest start-up. Returns "ack" or "nack"."""
        self._rx.clear()
        for _ in range(tries):
            self._send(bytes((F.SYNC,)))
            try:
                b = self._take(1, WORST_STARTUP_S + WORST_SYNC_S + LINK_SLACK_S, "the answer to 0x7F")[0]
            except NoAnswer:
                continue
            if b == ACK:
                return "ack"
            if b == NACK:
                return "nack"
            self._rx.clear()          # a glitch byte during reset (seen on some adapters): try again
        raise NoAnswer("the board did not answer 0x7F", None, "sync")

    def connect(self) -> Device:
        self.sync()
        self.version, self.cmds = self.get()
        self.pid = self.get_id()
        self.dev = lookup(self.pid)
        return self.dev

    def get(self) -> tuple[int, list[int]]:
        self._start(Cmd.GET)
        n = self._take(1, self._short(), "the length of Get's reply", Cmd.GET)[0] + 1
        body = self._take(n, self._short() + self._wire(n), "Get's command list", Cmd.GET)
        self._ack(Cmd.GET, "command list", self._short())
        return body[0], list(body[1:])

    def get_version(self) -> int:
        self._start(Cmd.GET_VERSION)
        v = self._take(3, self._short() + self._wire(3), "Get Version's reply", Cmd.GET_VERSION)
        self._ack(Cmd.GET_VERSION, "version", self._short())
        return v[0]

    def get_id(self) -> int:
        self._start(Cmd.GET_ID)
        n = self._take(1, self._short(), "Get ID's length", Cmd.GET_ID)[0] + 1
        pid = self._take(n, self._short() + self._wire(n), "the product ID", Cmd.GET_ID)
        self._ack(Cmd.GET_ID, "product ID", self._short())
        return int.from_bytes(pid, "big")

    def has(self, cmd: int) -> bool:
        return cmd in self.cmds

    # ---- memory ------------------------------------------------------------------------------------
    def read(self, addr: int, length: int, progress=None) -> bytes:
        out = bytearray()
        while len(out) < length:
            n = min(F.MAX_BLOCK, length - len(out))
            a = addr + len(out)
            self._start(Cmd.READ)
            self._send(F.address(a))
            self._ack(Cmd.READ, "address", self._short() + self._wire(5), a)
            self._send(F.read_count(n))
            self._ack(Cmd.READ, "length", self._short() + self._wire(2), a)
            out += self._take(n, self._short() + self._wire(n), f"{n} bytes from 0x{a:08X}", Cmd.READ)
            if progress:
                progress(len(out))
        return bytes(out)

    def write(self, addr: int, data: bytes, progress=None) -> None:
        """Blocks of 256 bytes; the tail padded with the erased value to the chip's alignment (AN2606 Table 7),
        since a misaligned write fails and every later write with it."""
        align = self.dev.write_align if self.dev else 4
        if addr % align:
            raise RomError(f"0x{addr:08X} is not a multiple of {align}: the ROM bootloader of the "
                           f"{self.dev.name if self.dev else 'chip'} writes {align}-byte aligned only")
        data = bytes(data)
        if len(data) % align:                    # pad with the erased value (L1 flash erases to 0x00)
            pad = 0x00 if self.dev is not None and self.dev.family == "l1" else 0xFF
            data += bytes([pad]) * (align - len(data) % align)
        prog = self.dev.prog256_s if self.dev else 0.01
        for off in range(0, len(data), F.MAX_BLOCK):
            a, block = addr + off, data[off:off + F.MAX_BLOCK]
            self._start(Cmd.WRITE)
            self._send(F.address(a))
            self._ack(Cmd.WRITE, "address", self._short() + self._wire(5), a)
            self._send(F.data_block(block))
            self._ack(Cmd.WRITE, "data", self._short() + self._wire(len(block) + 2) + 2 * prog, a)
            if progress:
                progress(min(off + F.MAX_BLOCK, len(data)))

    def erase(self, units: list[int], sizes: list[int] | None = None) -> None:
        """Erase pages/sectors by number: Erase (0x43, ≤ 255 per command) or Extended Erase (0x44),
        whichever Get lists (AN3155 §3.7, §3.8)."""
        units = list(units)
        ext = self.has(Cmd.EXT_ERASE) or not self.has(Cmd.ERASE)
        per = 255 if not ext else 256     # keeps each list and its wait bounded
        for i in range(0, len(units), per):
            part = units[i:i + per]
            secs = sum(self.dev.erase_time(s) for s in (sizes or [])[i:i + per]) if sizes and self.dev \
                else 0.05 * len(part)
            if ext:
                self._start(Cmd.EXT_ERASE)
                self._send(F.ext_erase_pages(part))
                self._ack(Cmd.EXT_ERASE, "page list", 2 * secs + self._short() + self._wire(2 * len(part) + 3))
            else:
                self._start(Cmd.ERASE)
                self._send(F.erase_pages(part))
                self._ack(Cmd.ERASE, "page list", 2 * secs + self._short() + self._wire(len(part) + 2))

    def mass_erase_seconds(self) -> float:
        d = self.dev
        return 2 * sum(d.erase_time(s) for _, _, s in d.units()) + 1.0 if d else 35.0

    def mass_erase(self, special: int = F.MASS_ERASE) -> None:
        """Global (or bank) erase: 0x43 FF 00, or 0x44 with 0xFFFF / 0xFFFE / 0xFFFD (AN3155 §3.7, §3.8)."""
        if self.has(Cmd.EXT_ERASE):
            self._start(Cmd.EXT_ERASE)
            self._send(F.ext_erase_special(special))
            self._ack(Cmd.EXT_ERASE, "global erase code", self.mass_erase_seconds())
        else:
            self._start(Cmd.ERASE)
            self._send(F.erase_global())
            self._ack(Cmd.ERASE, "global erase code", self.mass_erase_seconds())

    def go(self, addr: int) -> None:
        self._start(Cmd.GO)
        self._send(F.address(addr))
        self._ack(Cmd.GO, "address", self._short() + self._wire(5), addr)

    def checksum(self, addr: int, length: int) -> int:
        """Get Checksum (0xA1, AN3155 §3.14): CRC of `length` bytes (whole words) on the chip."""
        self._start(Cmd.GET_CHECKSUM)
        self._send(F.address(addr))
        self._ack(Cmd.GET_CHECKSUM, "address", self._short(), addr)
        self._send(F.word4(length // 4))
        self._ack(Cmd.GET_CHECKSUM, "size", self._short(), addr)
        self._send(F.word4(F.CRC_POLY))
        self._ack(Cmd.GET_CHECKSUM, "polynomial", self._short(), addr)
        self._send(F.word4(F.CRC_INIT))
        self._ack(Cmd.GET_CHECKSUM, "initial value", self._short() + length / 50e6, addr)
        raw = self._take(5, self._short(), "the checksum", Cmd.GET_CHECKSUM)
        if F.xor(raw) != 0:
            raise RomError("Get Checksum's reply arrived damaged (its XOR does not match); try a lower baud rate")
        return int.from_bytes(raw[:4], "big")

    # ---- protection (each ends with a system reset of the chip: AN3155 §3.9-§3.13) -----------------
    def write_protect(self, bits: list[int]) -> None:
        self._start(Cmd.WRITE_PROTECT)
        self._send(F.data_block(bytes(bits)))
        self._ack(Cmd.WRITE_PROTECT, "sector list", self._short() + 0.5)

    def write_unprotect(self) -> None:
        self._start(Cmd.WRITE_UNPROTECT)
        self._ack(Cmd.WRITE_UNPROTECT, "option byte change", self._short() + 0.5)

    def readout_protect(self) -> None:
        self._start(Cmd.READOUT_PROTECT)
        self._ack(Cmd.READOUT_PROTECT, "option byte change", self._short() + 0.5)

    def readout_unprotect(self) -> None:
        """Clears RDP; the chip mass-erases its flash first (AN3155 §3.13), so the second ACK waits for
        a whole-flash erase."""
        self._start(Cmd.READOUT_UNPROTECT)
        self._ack(Cmd.READOUT_UNPROTECT, "mass erase and option byte change", self.mass_erase_seconds())


def worst_startup() -> float:
    return max(d.startup_s for d in DEVICES.values())
