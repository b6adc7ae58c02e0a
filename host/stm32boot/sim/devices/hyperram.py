"""Infineon/Cypress S70KL1281 HyperRAM (16 MB, two 8 MB dies), S70KL1281 datasheet.

HyperBus: no instruction; the controller (MTYP=100 memory / 101 register space) sends the 48-bit
command/address built from AR (byte address, even), then the initial latency, then 16-bit words
on 8 DTR lines with RWDS as DQS. With fixed latency (CR0.FLE=1, power-on) the device always waits
2 x the latency of CR0.IL; the controller's HLCR (LM, TACC) must agree or every read is shifted by
2 bytes per clock of difference (and writes land shifted). Register writes are zero-latency: the
controller needs HLCR.WZL=1 for them. Volatile: contents are not persisted.
Register values on the wire are sent most significant byte first (HyperBus word order; unverified).

Two dies (S70KL1281 datasheet): one burst (one nCS-low period) stays in the die it started in. A burst running past
the die end wraps to that die's start (our choice of "wrong data": the datasheet only forbids the
crossing, the reference says silicon returns wrong data); the controller must split at the boundary
(DCR3.CSBOUND=23). Hence the fast mapped view is offered only when CSBOUND keeps bursts in one die.
tCSM (max nCS low, 4 µs) is exposed for the controller's REFRESH check; refresh loss is not modelled.
"""
from __future__ import annotations

from ..clock import us
from .xfer import MTYP_HYPER_MEM, MTYP_HYPER_REG, Device, Transfer, shift_bits

MB = 1 << 20
ID0, ID1 = 0x0C81, 0x0000          # Cypress, 9 column / 13 row address bits (datasheet-style value)
CR0_RESET, CR1_RESET = 0x8F1F, 0xFFC1
IL_CLOCKS = {0b0000: 5, 0b0001: 6, 0b1110: 3, 0b1111: 4}


class S70KL1281(Device):
    name = "S70KL1281"
    wrap_sizes = (16, 32, 64, 128)   # CR0.BL burst lengths (S70KL1281 datasheet)
    t_csm_ps = us(4)

    def __init__(self, clock=None, size: int = 16 * MB):
        super().__init__(clock)
        self.size = size
        self.die = size // 2
        self._mem = None
        self.regs = {0x0000: ID0, 0x0002: ID1, 0x1000: CR0_RESET, 0x1002: CR1_RESET}

    @property
    def mem(self) -> bytearray:
        """The array, made at the first access: 16 MB a bootloader that never reaches the RAM should not
        pay for at every start (its contents at power-up are undefined; zeros here)."""
        if self._mem is None:
            self._mem = bytearray(self.size)
        return self._mem

    def latency(self) -> tuple[int, bool]:
        cr0 = self.regs[0x1000]
        return IL_CLOCKS.get(cr0 >> 4 & 0xF, 6), bool(cr0 >> 3 & 1)

    def _check_frame(self, t: Transfer) -> bool:
        a = t.address
        if t.mtyp not in (MTYP_HYPER_MEM, MTYP_HYPER_REG):
            self.note(f"HyperRAM: transfer with MTYP={t.mtyp} (not HyperBus 100/101): not understood")
            return False
        if a is None or a.lines != 8 or not a.dtr or t.data_lines != 8 or not t.data_dtr:
            self.note("HyperRAM: command/address and data must be 8 lines DTR: not understood")
            return False
        return True

    def _lead_bits(self, t: Transfer, write: bool, reg: bool) -> int:
        """Bits by which the data phase is early (>0: device starts late) vs the controller."""
        il, fixed = self.latency()
        if reg and write:
            dev = 0
            ctl = 0 if t.latency.get("wzl") else t.latency.get("tacc", 0) * (2 if t.latency.get("fixed") else 1)
        else:
            dev = 2 * il if fixed else il
            ctl = t.latency.get("tacc", 0) * (2 if t.latency.get("fixed") else 1)
        if dev != ctl:
            self.note(f"HyperRAM: {'write' if write else 'read'} with controller latency {ctl} clocks, "
                      f"device uses {dev} (CR0 IL/FLE vs HLCR TACC/LM): data shifted by {2 * abs(dev - ctl)} bytes")
        return (dev - ctl) * 16

    def transfer(self, t: Transfer) -> bytes:
        if not self._check_frame(t):
            return b"" if t.write else b"\xff" * t.count
        reg = t.mtyp == MTYP_HYPER_REG
        addr = t.address.value
        if addr & 1:
            self.note(f"HyperRAM: odd address 0x{addr:X}: A0 ignored")
            addr &= ~1
        lead = self._lead_bits(t, t.write, reg)
        if not t.dqs and not t.write:
            self.note("HyperRAM: read without DQS (RWDS) sampling: data garbled")
        if reg:
            return self._reg(t, addr, lead)
        die = (addr if t.burst_start is None else t.burst_start) % self.size // self.die
        if t.write:
            if lead:
                return b""  # the device samples bus noise as data: the write is lost
            self._put(self._in_die(die, addr, len(t.data)), t.data)
            return b""
        extra = 0 if lead >= 0 else -(-(-lead) // 8)
        raw = self._get(self._in_die(die, addr, t.count + extra + 2, t.count), t.count + extra + 2)
        out = shift_bits(raw, lead, t.count) if lead else raw[:t.count]
        return out if t.dqs else bytes(b & 0x88 for b in out)

    def _in_die(self, die: int, addr: int, n: int, used: int | None = None) -> list[tuple[int, int]]:
        """(offset, length) spans of a burst of n bytes at addr that began in `die` (it never leaves
        that die); `used`: how many of the n bytes the controller keeps (for the note)."""
        lo = die * self.die
        a = addr % self.size
        if a // self.die != die or (a % self.die) + (n if used is None else used) > self.die:
            self.note(f"HyperRAM: burst from die {die} runs to 0x{addr + n - 1:X}, past the die boundary "
                      f"(0x{(die + 1) * self.die:X}): the die's address wraps, wrong data (set DCR3.CSBOUND=23)")
        off = a % self.die
        k = min(n, self.die - off)
        out = [(lo + off, k)]
        while k < n:
            m = min(n - k, self.die)
            out.append((lo, m))
            k += m
        return out

    def _get(self, spans: list[tuple[int, int]], n: int) -> bytes:
        return b"".join(bytes(self.mem[a:a + k]) for a, k in spans)[:n]

    def _put(self, spans: list[tuple[int, int]], data: bytes) -> None:
        k = 0
        for a, m in spans:
            self.mem[a:a + m] = data[k:k + m]
            self.changed(a, a + m)
            k += m

    def _reg(self, t: Transfer, addr: int, lead: int) -> bytes:
        if addr not in self.regs:
            self.note(f"HyperRAM: register space address 0x{addr:X} not modelled")
            return b"" if t.write else b"\xff" * t.count
        if t.write:
            if lead:
                return b""
            if addr in (0x1000, 0x1002) and len(t.data) >= 2:
                self.regs[addr] = t.data[0] << 8 | t.data[1]
                self.changed(0, self.size)
            else:
                self.note(f"HyperRAM: write to read-only register 0x{addr:X} ignored")
            return b""
        v = self.regs[addr]
        raw = bytes((v >> 8, v & 0xFF)) * (t.count // 2 + 2)
        return shift_bits(raw, lead, t.count) if lead else raw[:t.count]

    def mapped_view(self, read: Transfer, write: Transfer | None):
        if read.mtyp != MTYP_HYPER_MEM or not self._frame_ok(read) or not read.dqs:
            return None
        if not read.cs_boundary or read.cs_boundary > self.die:
            return None  # prefetch bursts could cross the die boundary: per-access path (CSBOUND)
        if self._quiet_lead(read) != 0:
            return None
        writable = write is not None and self._frame_ok(write) and self._quiet_lead(write) == 0
        return self.mem, writable

    def _frame_ok(self, t: Transfer) -> bool:
        a = t.address
        return a is not None and a.lines == 8 and a.dtr and t.data_lines == 8 and t.data_dtr

    def _quiet_lead(self, t: Transfer) -> int:
        il, fixed = self.latency()
        dev = 2 * il if fixed else il
        return dev - t.latency.get("tacc", 0) * (2 if t.latency.get("fixed") else 1)
