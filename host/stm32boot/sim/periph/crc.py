"""CRC calculation unit of the STM32H735 (RM0468, CRC chapter), polled by the CPU (no DMA modelled).

Silicon behaviour modelled: a store to DR feeds its 8, 16 or 32 bits (the access width), most significant
bit first, after CR.REV_IN's reversal (by byte, half-word or word); reading DR gives the CRC so far, after
CR.REV_OUT's reversal. CR.RESET (self-clearing) loads INIT into the CRC. POLYSIZE selects a 32, 16, 8 or
7-bit polynomial POL. IDR is a free 32-bit register. Each store keeps the unit busy for one HCLK cycle per
byte (4 for a word: RM0468, CRC main features) on the virtual clock; a DR read while it computes waits
(the AHB stalls the CPU) until the result is there. The standard setting (32-bit POL 0x04C11DB7, no
reversal) runs through the native CRC-32/MPEG-2; any other is computed bit by bit. Stores with the RCC
clock gated are lost; unknown offsets are reported by the register dispatcher.

Stores to DR change nothing the CPU can see until it reads DR or touches another register, so the
machine's C side collects them (native/vclock.h, write sink) and hands them over in order before the next
register access. The sink keeps bytes, not access widths: a batch whose byte count is not one width times
its store count mixed widths, which the model cannot take apart; it reports that and takes it as words
then bytes (a word loop with a byte tail).
"""
from __future__ import annotations

from ...native import crc32
from ..regs import WO, Field, Peripheral, Reg

MPEG2_POLY = 0x04C1_1DB7
_SIZES = {0: 32, 1: 16, 2: 8, 3: 7}     # CR.POLYSIZE -> polynomial width


def _reverse(v: int, bits: int) -> int:
    return int(f"{v:0{bits}b}"[::-1], 2)


class Crc(Peripheral):
    C_PREFIX = "CRC"
    SIZE = 0x400
    REGS = (
        Reg("DR", 0x00, reset=0xFFFF_FFFF),
        Reg("IDR", 0x04),
        Reg("CR", 0x08, fields=(Field("RESET", 0, access=WO), Field("POLYSIZE", 3, 2), Field("REV_IN", 5, 2),
                                Field("REV_OUT", 7))),
        Reg("INIT", 0x10, reset=0xFFFF_FFFF),
        Reg("POL", 0x14, reset=MPEG2_POLY),
    )

    def __init__(self, name="CRC", base=0x5802_4C00, board=None):
        super().__init__(name, base, board, clock_gate=("AHB4ENR", 19))
        self.words = 0            # bytes fed, in 32-bit words (benchmarks)

    def reset(self):
        super().reset()
        self._crc = 0xFFFF_FFFF
        self._ready_ps = 0        # virtual time at which the last store's computation ends
        self._since_ps = 0        # virtual time of the last store that came through the model itself
        self._sink_writes = None  # the C side's store count when the sink was armed (None: not armed)

    # ---- timing ----------------------------------------------------------------------------------
    def _now(self) -> int:
        clk = getattr(self.board, "clock", None)
        return clk.now if clk is not None else 0

    def _busy(self, nbytes: int, since_ps: int | None = None) -> None:
        """nbytes more to compute, the first stored at since_ps (default: now), one HCLK cycle each."""
        clk = getattr(self.board, "clock", None)
        if clk is None:
            return
        rcc = getattr(self.board, "rcc", None)
        hz = rcc.hclk_hz() if rcc is not None and hasattr(rcc, "hclk_hz") else 64e6
        start = clk.now if since_ps is None else since_ps
        self._ready_ps = max(self._ready_ps, start) + int(nbytes * 1e12 / hz)

    def _wait_result(self) -> None:
        """The AHB holds a DR read until the computation ends: the clock moves on to it."""
        clk = getattr(self.board, "clock", None)
        if clk is None or clk.now >= self._ready_ps:
            return
        done = []
        clk.after(self._ready_ps - clk.now, lambda: done.append(1), "CRC result")
        warp = getattr(self.board, "warp", None)
        while not done and warp is not None and warp():
            pass

    # ---- computation -----------------------------------------------------------------------------
    def _feed(self, value: int, bits: int) -> None:
        rev = self.get("CR", "REV_IN")
        if rev == 1:      # bit order reversed inside each byte
            value = int.from_bytes(bytes(_reverse(b, 8) for b in value.to_bytes(bits // 8, "big")), "big")
        elif rev == 2 and bits >= 16:
            value = int.from_bytes(b"".join(_reverse(int.from_bytes(value.to_bytes(bits // 8, "big")[i:i + 2],
                                                                     "big"), 16).to_bytes(2, "big")
                                            for i in range(0, bits // 8, 2)), "big")
        elif rev == 2 or rev == 3:
            value = _reverse(value, bits)
        width = _SIZES[self.get("CR", "POLYSIZE")]
        poly = self.get("POL")
        if width == 32 and poly == MPEG2_POLY:
            self._crc = crc32(value.to_bytes(bits // 8, "big"), self._crc)
        else:
            mask = (1 << width) - 1
            crc, poly = self._crc & mask, poly & mask
            for i in range(bits - 1, -1, -1):
                top = (crc >> (width - 1) & 1) ^ (value >> i & 1)
                crc = ((crc << 1) & mask) ^ (poly if top else 0)
            self._crc = crc
        self.words += bits / 32

    def _feed_words(self, data: bytes) -> None:
        """Little-endian 32-bit stores, as the sink keeps them: the standard setting in one native call."""
        if (self.get("CR") & 0xF8) == 0 and self.get("POL") == MPEG2_POLY:
            be = bytearray(data)
            be[0::4], be[1::4], be[2::4], be[3::4] = data[3::4], data[2::4], data[1::4], data[0::4]
            self._crc = crc32(be, self._crc)
            self.words += len(data) // 4
            return
        for i in range(0, len(data), 4):
            self._feed(int.from_bytes(data[i:i + 4], "little"), 32)

    def _result(self) -> int:
        width = _SIZES[self.get("CR", "POLYSIZE")]
        crc = self._crc & ((1 << width) - 1)
        return _reverse(crc, width) if self.get("CR", "REV_OUT") else crc

    # ---- bus side --------------------------------------------------------------------------------
    def bus_write(self, offset: int, size: int, value: int) -> None:
        if offset == 0 and self.clocked():     # DR: the access width is the data size
            self._feed(value & ((1 << (8 * size)) - 1), 8 * size)
            self._busy(size)
            self._since_ps = self._now()
            self._sink_update()
            return
        super().bus_write(offset, size, value)
        self._sink_update()

    def bus_read(self, offset: int, size: int) -> int:
        v = super().bus_read(offset, size)
        self._sink_update()
        return v

    def read_DR(self, value):
        self._wait_result()
        return self._result()

    # ---- the C side's write sink -----------------------------------------------------------------
    def _vc(self):
        return getattr(self.board, "vc", None)

    def sink_take(self, data: bytes) -> None:
        """Stores to DR the C side collected since the sink was armed (machine.sink_arm), in order."""
        vc = self._vc()
        count = vc.sink_writes if vc is not None else 0
        stores = count - (self._sink_writes if self._sink_writes is not None else count)
        self._sink_writes = count
        if not data or not self.clocked():
            return
        n = len(data)
        if n == 4 * stores:
            self._feed_words(data)
        elif n == stores or n == 2 * stores:
            w = n // stores
            for i in range(0, n, w):
                self._feed(int.from_bytes(data[i:i + w], "little"), 8 * w)
        else:
            words = (n - stores) // 3 if (n - stores) % 3 == 0 else 0
            warn = getattr(self.board, "warn", None)
            if warn is not None:
                warn(f"sim: CRC: {stores} stores of mixed widths ({n} bytes) reached DR in one burst: not "
                     f"modelled, taken as {words} words then {n - 4 * words} bytes")
            self._feed_words(data[:4 * words])
            for b in data[4 * words:]:
                self._feed(b, 8)
        self._busy(n, self._since_ps)
        self._since_ps = self._now()

    def _sink_update(self) -> None:
        """After a Python-side access: keep the sink on DR while the unit is clocked."""
        arm = getattr(self.board, "sink_arm", None)
        vc = self._vc()
        if arm is None or vc is None:
            return
        if self.clocked():
            if self._sink_writes is None or getattr(self.board, "_sink_owner", None) is not self:
                arm(self, self.base, 1 << 30)
                self._sink_writes = vc.sink_writes
        elif self._sink_writes is not None:
            if getattr(self.board, "_sink_owner", None) is self:
                arm(self, 0, 0)
            self._sink_writes = None

    def write_CR(self, old, new):
        if new & 1:       # RESET: the CRC starts again from INIT; the bit reads 0
            self._crc = self.get("INIT")
