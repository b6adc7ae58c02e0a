"""DMA1/DMA2 model (the H743 DMA IP; register layout: RM0468, DMA controller
chapter), peripheral-to-memory streams fed by a UART wire (uart_wire.RxWire).

Cost model: a stream never takes bytes one event at a time. Bytes arrive on the USART's wire timeline;
whenever the firmware looks (NDTR, LISR/HISR, SxCR reads, writes to the stream or IFCR) every byte that
has arrived by now is stored with one uc.mem_write per contiguous run, NDTR and the HT/TC flags updated
in one go. One event at most is pending per stream, at the next time the register being watched can
change: the next byte when the firmware polled NDTR (so the machine's poll-warp lands exactly there),
the next HT/TC boundary when it polled the flags, plus the stop point of a normal-mode transfer or a
transfer error (after which bytes go to RDR again, with ORE, exactly as without DMA).

Modelled: EN (reads 0 after a normal-mode completion, a transfer error, or EN cleared by software, which
also sets TCIF [RM?]), DIR=peripheral-to-memory, CIRC, DBM/CT, MINC, PSIZE (element = PSIZE in direct
mode, byte zero-extended), NDTR live countdown, TCIF/HTIF/TEIF, LIFCR/HIFCR, stream registers frozen
while EN=1. A memory address the DMA cannot reach (DTCM, ITCM, anything not SRAM: H7 bus matrix, DMA1/2
sit on the D2 AHB [RM?]) gives TEIF at the first transfer and disables the stream. Not modelled: FIFO
packing (MSIZE != PSIZE with DMDIS=1), memory-to-peripheral, interrupts (NVIC lines). Firmware caches
are off in our images, so no invalidation is needed; with the D-cache on it would have to invalidate.
"""
from __future__ import annotations

from ..regs import RO, WO, Field, Peripheral, Reg

FEIF, DMEIF, TEIF, HTIF, TCIF = 1 << 0, 1 << 2, 1 << 3, 1 << 4, 1 << 5
SHIFT = (0, 6, 16, 22)
CR_EN, CR_CIRC, CR_MINC, CR_DBM, CR_CT = 1, 1 << 8, 1 << 10, 1 << 18, 1 << 19
_CR_FIELDS = (Field("EN", 0), Field("DMEIE", 1), Field("TEIE", 2), Field("HTIE", 3), Field("TCIE", 4),
              Field("PFCTRL", 5), Field("DIR", 6, 2), Field("CIRC", 8), Field("PINC", 9), Field("MINC", 10),
              Field("PSIZE", 11, 2), Field("MSIZE", 13, 2), Field("PINCOS", 15), Field("PL", 16, 2),
              Field("DBM", 18), Field("CT", 19), Field("TRBUFF", 20), Field("PBURST", 21, 2),
              Field("MBURST", 23, 2))
_REG_KINDS = ("CR", "NDTR", "PAR", "M0AR", "M1AR", "FCR")
_KIND_OFF = {k: 4 * i for i, k in enumerate(_REG_KINDS)}
NO_DMA_RAM = ("ITCM", "DTCM")   # CPU-only tightly coupled memories


def register_map(cr_fields=_CR_FIELDS) -> tuple:
    """The controller's registers: interrupt status/clear, then 8 streams of CR NDTR PAR M0AR M1AR FCR.
    The stream register map is the same on the F7 and H7 DMA (RM0385 DMA, RM0468 DMA); only SxCR's fields
    differ (CHSEL on F7, TRBUFF on H7)."""
    return (Reg("LISR", 0x00, access=RO), Reg("HISR", 0x04, access=RO),
            Reg("LIFCR", 0x08, access=WO), Reg("HIFCR", 0x0C, access=WO)) + \
        tuple(r for n in range(8) for r in _stream_regs(n, cr_fields))


def _stream_regs(n: int, cr_fields):
    b = 0x10 + 0x18 * n
    return (Reg(f"S{n}CR", b, fields=cr_fields),
            Reg(f"S{n}NDTR", b + 4, fields=(Field("NDT", 0, 16),)),
            Reg(f"S{n}PAR", b + 8), Reg(f"S{n}M0AR", b + 12), Reg(f"S{n}M1AR", b + 16),
            Reg(f"S{n}FCR", b + 20, reset=0x21, fields=(Field("FTH", 0, 2), Field("DMDIS", 2),
                                                        Field("FS", 3, 3, access=RO), Field("FEIE", 7))))


class Dma(Peripheral):
    C_PREFIX = "DMA"
    CPU_ONLY_RAM = NO_DMA_RAM     # RAM regions this DMA cannot reach (a transfer error, TEIF)
    C_FIELD_ALIASES = {f"S{n}{k}": f"Sx{k}" for n in range(8) for k in _REG_KINDS}
    POLL_REGS = frozenset({"LISR", "HISR"} | {f"S{n}{k}" for n in range(8) for k in ("CR", "NDTR")})
    # A read of any of these leaves one event pending at the next time the register read can change (the
    # next byte after NDTR, the next HT/TC boundary after flags: _look), so it holds until an event or
    # another access: the machine may answer repeated reads without calling the model.
    STABLE_REGS = POLL_REGS
    REGS = register_map()

    def __init__(self, name="DMA1", base=0x4002_0000, gate_bit=0, board=None):
        super().__init__(name, base, board, clock_gate=("AHB1ENR", gate_bit))

    def reset(self):
        for ev in getattr(self, "_ev", ()):
            if ev is not None:
                ev.cancel()
        super().reset()
        self.src = [None] * 8         # the USART whose RX wire feeds stream n (set while linked)
        self.reload = [0] * 8         # NDTR programmed at enable: the circular reload value
        self.watch = ["bytes"] * 8    # what the firmware last polled: "bytes" (NDTR) or "flags"
        self._ev = [None] * 8
        self._ev_at = [None] * 8
        # per stream, made once: rescheduling happens on most polls
        self._ev_name = [f"{self.name} S{n}" for n in range(8)]
        self._ev_fn = [(lambda n=n: self._fire(n)) for n in range(8)]
        self._ok_cache = [None] * 8
        self.transfer_errors: list[tuple[int, int, str]] = []   # (t_ps, stream, why) for tests/explain

    # ---- helpers ------------------------------------------------------------------------------
    def _off(self, n, kind):
        return 0x10 + 0x18 * n + _KIND_OFF[kind]

    def cr(self, n) -> int:
        return self.values[0x10 + 0x18 * n]

    def enabled(self, n) -> bool:
        return bool(self.cr(n) & CR_EN)

    def p2m(self, n) -> bool:
        return (self.cr(n) >> 6 & 3) == 0

    def _set_flags(self, n, bits) -> None:
        self.values[0 if n < 4 else 4] |= bits << SHIFT[n & 3]

    def _esize(self, n) -> int:
        return 1 << min(self.cr(n) >> 11 & 3, 2)

    def _reachable(self, addr, length) -> bool:
        from ..memory import region_at
        r = region_at(self.board.regions, addr, length)
        return r is not None and r.kind == "ram" and r.name not in self.CPU_ONLY_RAM

    def _mem_base(self, n) -> int:
        return self.values[self._off(n, "M1AR" if self.cr(n) & CR_CT else "M0AR")]

    def _mem_ok(self, n) -> bool:
        """Cached per stream: the configuration is frozen while EN=1 (only CT/M1AR move, in DBM)."""
        v, b = self.values, 0x10 + 0x18 * n      # asked on every poll of the stream: offsets inline
        key = (v[b] & CR_CT, v[b + _KIND_OFF["M0AR"]], v[b + _KIND_OFF["M1AR"]])
        hit = self._ok_cache[n]
        if hit is not None and hit[0] == key:
            return hit[1]
        ok = self._check_mem(n)
        self._ok_cache[n] = (key, ok)
        return ok

    def _check_mem(self, n) -> bool:
        size = self.reload[n] * self._esize(n) if self.cr(n) & CR_MINC else self._esize(n)
        return self._reachable(self._mem_base(n), max(size, 1))

    # ---- the link with a peripheral's RX wire (called by the USART model) ---------------------
    def link(self, n, usart) -> None:
        self.src[n] = usart
        self.reschedule(n)

    def unlink(self, n) -> None:
        self.src[n] = None
        self._cancel(n)

    def push(self, n, data: bytes) -> int:
        """Bytes handed over at once (RDR content when the request starts): stored now; count taken."""
        return self._store(n, data)

    def sync(self, n) -> bool:
        """Store every byte that has arrived by now on the linked wire. True if anything changed."""
        src = self.src[n]
        if src is None:
            return False
        src.pull_host()
        now = self.board.clock.now
        runs = src.wire.runs
        if not runs or runs[0][0] + (runs[0][3] + 1) * runs[0][1] > now:
            return False                    # the next byte has not fully arrived: nothing to store
        while self.src[n] is src and self.enabled(n):
            limit = self._limit(n)
            data = src.wire.take(now, limit)
            if not data:
                break
            self._store(n, data)
            if limit is None:
                break       # every byte arrived by `now` was taken: another take would find none
        return True

    def _limit(self, n):
        if not self._mem_ok(n):
            return 1
        b = 0x10 + 0x18 * n
        return None if self.values[b] & (CR_CIRC | CR_DBM) else self.values[b + _KIND_OFF["NDTR"]]

    def _store(self, n, data: bytes) -> int:
        """The DMA moves `data` (already read from RDR) to memory: NDTR, flags, wrap, stop."""
        if not self.enabled(n) or not data:
            return 0
        uc, now = self.board.uc, self.board.clock.now
        if not self._mem_ok(n):
            why = f"memory address 0x{self._mem_base(n):08X} not reachable by {self.name} " \
                  f"(not RAM, or {'/'.join(self.CPU_ONLY_RAM)}: CPU-only)"
            self.transfer_errors.append((now, n, why))
            if self.src[n] is not None:
                self.src[n].lost.append((now, data[0], f"{self.name} stream {n} transfer error: {why}"))
            self._set_flags(n, TEIF)
            self._stop(n)
            return 1
        e = self._esize(n)
        ndtr_off = self._off(n, "NDTR")
        taken = 0
        while taken < len(data) and self.enabled(n):
            ndtr = self.values[ndtr_off]
            size = self.reload[n]
            if ndtr == 0 or size == 0:
                self._stop(n)
                break
            pos = size - ndtr
            k = min(ndtr, len(data) - taken)
            chunk = data[taken:taken + k]
            base = self._mem_base(n)
            if e > 1:
                chunk = b"".join(bytes([b]) + bytes(e - 1) for b in chunk)
            if self.cr(n) & CR_MINC:
                uc.mem_write(base + pos * e, chunk)
            else:
                uc.mem_write(base, chunk[-e:])
            taken += k
            half = size // 2
            if pos < half <= pos + k:
                self._set_flags(n, HTIF)
            if k == ndtr:
                self._set_flags(n, TCIF)
                cr = self.cr(n)
                if cr & CR_DBM:
                    self.values[self._off(n, "CR")] = cr ^ CR_CT
                if cr & (CR_CIRC | CR_DBM):
                    self.values[ndtr_off] = size
                else:
                    self.values[ndtr_off] = 0
                    self._stop(n)
            else:
                self.values[ndtr_off] = ndtr - k
        return taken

    def _stop(self, n) -> None:
        self.values[self._off(n, "CR")] &= ~CR_EN
        self._cancel(n)
        src = self.src[n]
        if src is not None:
            src.dma_update()      # the request line goes back to RDR (unlinks this stream)

    # ---- the one pending event per stream ------------------------------------------------------
    def _cancel(self, n) -> None:
        if self._ev[n] is not None:
            self._ev[n].cancel()
        self._ev[n] = self._ev_at[n] = None

    def _next_change(self, n):
        src = self.src[n]
        if src is None or not self.enabled(n):
            return None
        wire = src.wire
        lim = self._limit(n)
        stop = wire.end_of(lim) if lim else None    # normal-mode end or the transfer error
        if self.watch[n] == "bytes":
            t = wire.end_of(1)
        else:
            size, ndtr = self.reload[n], self.values[self._off(n, "NDTR")]
            pos = size - ndtr
            t = wire.end_of((size // 2 - pos) if pos < size // 2 else ndtr) if size else None
        if stop is None or t is None:
            return t if stop is None else stop
        return min(t, stop)

    def reschedule(self, n, only_earlier=False) -> None:
        t = self._next_change(n)
        if self._ev[n] is not None and (t == self._ev_at[n] or
                                        only_earlier and (t is None or t > self._ev_at[n])):
            return   # an earlier pending event is harmless: the poll-warp lands there and polls again
        self._cancel(n)
        if t is not None:
            clk = self.board.clock
            self._ev_at[n] = t
            self._ev[n] = clk.after(max(t - clk.now, 0), self._ev_fn[n], self._ev_name[n])

    def _fire(self, n) -> None:
        self._ev[n] = self._ev_at[n] = None
        self.sync(n)
        # No new "next byte" event here: only a poll asks for one (events stay per poll, not per byte).
        if self.watch[n] == "flags" or (self.enabled(n) and not self.cr(n) & (CR_CIRC | CR_DBM)):
            self.reschedule(n)

    def _look(self, n, watch) -> None:
        if self.src[n] is not None:
            turned = self.watch[n] != watch
            self.watch[n] = watch
            if self.sync(n) or self._ev[n] is None:
                self.reschedule(n)
            elif turned:
                # The event follows the register read last: an idle poll is 4 identical reads of one
                # register, so a next-byte event left by a single NDTR check before a flags poll would
                # only wake the poll at every byte (the flags change at HT/TC).
                self.reschedule(n)

    # ---- registers ------------------------------------------------------------------------------
    def bus_read(self, offset, size):
        word = offset & ~3
        if word < 0x10:
            if word < 0x08:
                for n in range(4 if word else 0, 8 if word else 4):
                    self._look(n, "flags")
        elif word < 0xD0:
            n, kind = (word - 0x10) // 0x18, (word - 0x10) % 0x18
            if kind == 0:
                self._look(n, "flags")
            elif kind == 4:
                self._look(n, "bytes")
        return super().bus_read(offset, size)

    def bus_write(self, offset, size, value):
        word = offset & ~3
        if 0x08 <= word < 0x10:
            for n in range(4 if word == 0x0C else 0, 8 if word == 0x0C else 4):
                self.sync(n)      # flags of bytes that already arrived are set before being cleared
        elif 0x10 <= word < 0xD0:
            self.sync((word - 0x10) // 0x18)
        super().bus_write(offset, size, value)

    def write_LIFCR(self, old, new):
        self.values[0x00] &= ~new & 0x0F7D0F7D

    def write_HIFCR(self, old, new):
        self.values[0x04] &= ~new & 0x0F7D0F7D

    def _notify(self) -> None:
        """A stream was enabled: the peripherals re-check their DMA request routing."""
        for p in list(self.board.bus.peripherals) if self.board is not None else ():
            upd = getattr(p, "dma_update", None)
            if upd is not None:
                upd()

    def _frozen(self, n, off, old, new) -> bool:
        """Stream configuration is read-only while EN=1 (writes ignored) [RM?]."""
        if self.enabled(n):
            self.values[off] = old
            return True
        return False


def _make_stream_callbacks():
    def cr_cb(n):
        def write(self, old, new):
            off = 0x10 + 0x18 * n
            if old & CR_EN:
                # Only EN can change while the stream runs; clearing it stops the stream and sets TCIF.
                self.values[off] = (old & ~CR_EN) | (new & CR_EN)
                if not new & CR_EN:
                    self._set_flags(n, TCIF)
                    self._stop(n)
                return
            if new & CR_EN:
                self.reload[n] = self.values[off + 4]
                self._ok_cache[n] = None
                self.watch[n] = "bytes"
                self._notify()
        return write

    def frozen_cb(n, kind):
        def write(self, old, new):
            self._frozen(n, self._off(n, kind), old, new)
        return write

    for n in range(8):
        setattr(Dma, f"write_S{n}CR", cr_cb(n))
        for kind in ("NDTR", "PAR", "M0AR", "FCR"):
            setattr(Dma, f"write_S{n}{kind}", frozen_cb(n, kind))


_make_stream_callbacks()

