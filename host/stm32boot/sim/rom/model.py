"""ST's ROM USART bootloader as a protocol-level model (AN3155), driven by the chip's row in
stm32boot.rom.devices. ST's ROM code is not ours to run, so this models what the silicon shows on the
wire, failure modes included:

- start-up: bytes before AN2606's start-up time after reset are lost; baud detection is one-shot: the
  first byte after reset must be 0x7F, anything else leaves the loader deaf until the next reset
  (AN2606 "USART connection timing"; AN3155 §2);
- it listens only on the USARTs and pins AN2606 lists for the chip, and only with BOOT0 selecting it;
- 8E1: a byte whose parity is wrong is damaged, so its command is NACKed (AN3155 §1);
- RDP level 1: only Get, Get Version, Get ID and Readout Unprotect work, the rest NACK (AN3155 §3);
- WRP: erase and write of protected units ACK without doing anything (AN3155 §3.6, §3.7);
- option-byte commands and Readout Unprotect reset the chip afterwards: re-sync needed (AN3155 §3.9-§3.13);
- erase/program/sync times advance the caller's virtual clock (AN2606 timing tables, datasheets).

Interface: `feed(byte, t, parity_ok=True) -> [(t_out, byte)]`, times in seconds on the caller's clock;
`reset(t)`; `on_go(addr)` callback; `log` of commands for tests.
"""
from __future__ import annotations

from ...rom import frame as F
from ...rom.frame import ACK, NACK, Cmd

PROCESS_S = 20e-6           # command decoding between the last byte in and the ACK out (model estimate)


class RomModel:
    def __init__(self, chip, baud: int = 115200, listening: bool = True, boot0: bool = True):
        self.chip = chip
        self.dev = chip.dev
        self.baud = baud
        self.listening = listening          # wired to one of the bootloader's USARTs
        self.boot0 = boot0
        self.on_go = lambda addr: None
        self.log: list[str] = []
        self.extra_startup_s = 0.0          # F105/107 with PA9 high: the USB path (AN2606 timing table)
        self.extra_sync_s = 0.0
        self.reset(0.0)

    # ---- life cycle --------------------------------------------------------------------------------
    def reset(self, t: float) -> None:
        self.ready_at = t + self.dev.startup_s + self.extra_startup_s
        self.state = "sync"                 # "sync" | "deaf" | "cmd" | "gone"
        self.busy_until = t
        self._gen = None

    def running(self) -> bool:
        return self.state == "cmd"

    # ---- wire --------------------------------------------------------------------------------------
    def _byte_s(self) -> float:
        return F.BITS_PER_BYTE / self.baud

    def feed(self, b: int, t: float, parity_ok: bool = True) -> list[tuple[float, int]]:
        if not (self.listening and self.boot0) or self.state in ("deaf", "gone") or t < self.ready_at:
            return []
        self._out: list[tuple[float, int]] = []
        self._t = max(t, self.busy_until)
        if self.state == "sync":
            if b == F.SYNC and parity_ok:
                self.state = "cmd"
                self.log.append("sync")
                self._emit(ACK, self.dev.sync_s + self.extra_sync_s)
            else:
                self.state = "deaf"         # measured the wrong byte: wrong baud until reset
            return self._out
        if self._gen is None:
            self._gen = self._command()
            next(self._gen)
        self._bad = not parity_ok
        try:
            self._gen.send(b)
        except StopIteration:
            self._gen = None
        return self._out

    def _emit(self, data, delay: float = PROCESS_S) -> None:
        t = self._t + delay
        for x in (data if isinstance(data, (bytes, bytearray, list)) else [data]):
            t += self._byte_s()
            self._out.append((t, x))
        self._t = t
        self.busy_until = t

    def _work(self, seconds: float) -> None:
        self._t += seconds
        self.busy_until = self._t

    # ---- protocol (a generator: `b = yield` takes the next byte from the host) ------------------------
    def _bytes(self, n: int):
        out, bad = bytearray(), False
        for _ in range(n):
            out.append((yield))
            bad |= self._bad
        return bytes(out), bad

    def _address(self):
        raw, bad = yield from self._bytes(5)
        if bad or F.xor(raw) != 0:
            return None
        return int.from_bytes(raw[:4], "big")

    def _command(self):
        code = yield
        bad = self._bad
        comp = yield
        if bad or self._bad or code ^ comp != 0xFF or code not in self.dev.commands():
            self.log.append(f"nack 0x{code:02X}")
            self._emit(NACK)
            return
        self.log.append(F.NAMES[code])
        rdp = self.chip.rdp_level()
        if rdp and code not in (Cmd.GET, Cmd.GET_VERSION, Cmd.GET_ID, Cmd.READOUT_UNPROTECT):
            # AN3155 §3: refused while read protection is active; some versions NACK twice (AN2606)
            self._emit(bytes((NACK, NACK)) if self.dev.double_nack else NACK)
            return
        self._emit(ACK)
        yield from getattr(self, "_c%02x" % code)()

    def _c00(self):     # Get
        cmds = self.dev.commands()
        self._emit(bytes([len(cmds), self.dev.protocol] + cmds) + bytes([ACK]))
        return
        yield

    def _c01(self):     # Get Version
        self._emit(bytes((self.dev.protocol, 0, 0, ACK)))
        return
        yield

    def _c02(self):     # Get ID
        self._emit(bytes((1, self.dev.pid >> 8, self.dev.pid & 0xFF, ACK)))
        return
        yield

    def _c11(self):     # Read Memory
        addr = yield from self._address()
        if addr is None or self.chip.read(addr, 1) is None:
            self._emit(NACK)
            return
        self._emit(ACK)
        raw, bad = yield from self._bytes(2)
        n = raw[0] + 1
        data = self.chip.read(addr, n)
        if bad or raw[0] ^ raw[1] != 0xFF or data is None:
            self._emit(NACK)
            return
        self._emit(bytes((ACK,)) + data)

    def _c31(self):     # Write Memory
        addr = yield from self._address()
        if addr is None or addr % 4 or self.chip._area(addr, 1, True) is None:
            self._emit(NACK)
            return
        self._emit(ACK)
        (n1,), bad = yield from self._bytes(1)
        data, bad2 = yield from self._bytes(n1 + 1)
        (cs,), bad3 = yield from self._bytes(1)
        align = self.dev.write_align
        if bad or bad2 or bad3 or F.xor(bytes((n1,)) + data) != cs or len(data) % 4 or \
                addr % align or len(data) % align:
            self._emit(NACK)
            return
        kind = self.chip.write(addr, data)
        if kind is None:
            self._emit(NACK)
            return
        if kind == "flash":
            self._work(self.dev.prog256_s * len(data) / 256)
        self._emit(ACK)
        if kind == "ob":                    # option bytes reloaded: system reset (AN3155 §3.6)
            self._system_reset()

    def _c21(self):     # Go
        addr = yield from self._address()
        if addr is None or not self.chip.valid_go(addr):
            self._emit(NACK)
            return
        self._emit(ACK)
        self.state = "gone"
        self.on_go(addr)

    def _c43(self):     # Erase
        (n1,), bad = yield from self._bytes(1)
        if n1 == 0xFF:
            (z,), bad2 = yield from self._bytes(1)
            if bad or bad2:
                self._emit(NACK)
                return
            if z == 0x00:                   # FF 00: global erase; FF followed by anything else: ACK only
                self._erase_all(None)
            self._emit(ACK)
            return
        pages, bad2 = yield from self._bytes(n1 + 1)
        (cs,), bad3 = yield from self._bytes(1)
        if bad or bad2 or bad3 or F.xor(bytes((n1,)) + pages) != cs:
            self._emit(NACK)
            return
        self._erase_list(list(pages))

    def _c44(self):     # Extended Erase
        raw, bad = yield from self._bytes(2)
        n = int.from_bytes(raw, "big")
        if n >= 0xFFF0:
            (cs,), bad2 = yield from self._bytes(1)
            ok = not (bad or bad2) and F.xor(raw) == cs
            if ok and n == F.MASS_ERASE and self.dev.mass_erase:
                self._erase_all(None)
            elif ok and n in (F.BANK1_ERASE, F.BANK2_ERASE) and self.chip.dual_bank():
                self._erase_all(1 if n == F.BANK1_ERASE else 2)
            else:
                self._emit(NACK)
                return
            self._emit(ACK)
            return
        body, bad2 = yield from self._bytes(2 * (n + 1))
        (cs,), bad3 = yield from self._bytes(1)
        if bad or bad2 or bad3 or F.xor(raw + body) != cs:
            self._emit(NACK)
            return
        self._erase_list([int.from_bytes(body[i:i + 2], "big") for i in range(0, len(body), 2)])

    def _erase_list(self, pages: list[int]) -> None:
        units = self.chip.units()
        if any(not 0 <= p < len(units) for p in pages):
            self._emit(NACK)                # a unit the chip does not have (a wrong memory map)
            return
        for p in pages:
            self.chip.erase_unit(p)
            self._work(self.dev.erase_time(units[p][2]))
        self._emit(ACK)

    def _erase_all(self, bank) -> None:
        half = self.dev.flash_size // 2
        for _, a, s in self.chip.units():
            if bank is None or ((a - 0x0800_0000) >= half) == (bank == 2):
                self._work(self.dev.erase_time(s))
        self.chip.erase_all(bank)

    def _c63(self):     # Write Protect
        (n1,), bad = yield from self._bytes(1)
        codes, bad2 = yield from self._bytes(n1 + 1)
        (cs,), bad3 = yield from self._bytes(1)
        if bad or bad2 or bad3 or F.xor(bytes((n1,)) + codes) != cs:
            self._emit(NACK)
            return
        self.chip.set_wrp(list(codes))
        self._emit(ACK)
        self._system_reset()

    def _c73(self):     # Write Unprotect
        self.chip.set_wrp(None)
        self._work(0.01)
        self._emit(ACK)
        self._system_reset()
        return
        yield

    def _c82(self):     # Readout Protect
        self.chip.set_rdp(True)
        self._work(0.01)
        self._emit(ACK)
        self._system_reset()
        return
        yield

    def _c92(self):     # Readout Unprotect: mass erase, then RDP level 0, then reset
        for _, _, s in self.chip.units():
            self._work(self.dev.erase_time(s))
        self.chip.readout_unprotect()
        self._emit(ACK)
        self._system_reset()
        return
        yield

    def _ca1(self):     # Get Checksum
        addr = yield from self._address()
        if addr is None:
            self._emit(NACK)
            return
        self._emit(ACK)
        fields = []
        for _ in range(3):
            v = yield from self._address()      # each field: 4 bytes + XOR, like an address
            if v is None:
                self._emit(NACK)
                return
            fields.append(v)
            self._emit(ACK)
        words, poly, init = fields
        data = self.chip.read(addr, 4 * words) if words else None
        if data is None:
            self._emit(NACK)
            return
        crc = F.crc_words(data, init, poly).to_bytes(4, "big")
        self._work(len(data) / 50e6)
        self._emit(crc + bytes((F.xor(crc),)))

    def _system_reset(self) -> None:
        self.log.append("system reset")
        self.reset(self._t)
