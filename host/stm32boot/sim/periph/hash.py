"""HASH processor of the STM32H735 (RM0468 §36), SHA-256 only, polled or as a bus slave (no DMA).

Silicon behaviour modelled: CR.INIT starts a message; DIN words go through a 16-word input FIFO; a full
FIFO is handed to the core, which needs BLOCK_HCLK cycles per 512-bit block (docs/hash-unit.md) on the
virtual clock, during which SR.BUSY is set and the FIFO fills with the next block (SR.DINIS: the FIFO
takes a new block). STR.DCAL pads the message (NBLW = valid bits of the last word) and finishes it:
SR.DCIS when the digest is in HR0..HR7. DATATYPE swaps each word as the manual describes (32-bit: none;
16-bit: halfwords; 8-bit: bytes; 1-bit: bits). Failure modes: a DIN write while the FIFO is full (a
real bus would stall: reported, the word is still queued), HMAC mode, other algorithms and DMA are
reported as not modelled; digest registers read before DCIS return the stale previous digest."""
from __future__ import annotations

import hashlib

from ..regs import RO, WO, Field, Peripheral, Reg

BLOCK_HCLK = 66             # HCLK cycles per 512-bit block (docs/hash-unit.md)
SHA256 = 3


def _swap(word: int, datatype: int) -> bytes:
    """The 4 message bytes a DIN word contributes, in message order."""
    if datatype == 0:
        return word.to_bytes(4, "big")
    if datatype == 1:
        return (((word & 0xFFFF) << 16) | (word >> 16)).to_bytes(4, "big")
    if datatype == 2:
        return word.to_bytes(4, "little")
    return int(f"{word:032b}"[::-1], 2).to_bytes(4, "big")


class Hash(Peripheral):
    C_PREFIX = "HASH"
    SIZE = 0x400
    POLL_REGS = frozenset({"SR"})
    REGS = (
        Reg("CR", 0x00, fields=(Field("INIT", 2, access=WO), Field("DMAE", 3), Field("DATATYPE", 4, 2),
                                Field("MODE", 6), Field("ALGO0", 7), Field("NBW", 8, 4, access=RO),
                                Field("DINNE", 12, access=RO), Field("ALGO1", 18))),
        Reg("DIN", 0x04, access=WO),
        Reg("STR", 0x08, fields=(Field("NBLW", 0, 5), Field("DCAL", 8, access=WO))),
        Reg("IMR", 0x20, fields=(Field("DINIE", 0), Field("DCIE", 1))),
        Reg("SR", 0x24, reset=0x1, access=RO,
            fields=(Field("DINIS", 0), Field("DCIS", 1), Field("DMAS", 2), Field("BUSY", 3))),
    ) + tuple(Reg(f"HR{i}", 0x310 + 4 * i, access=RO) for i in range(8))

    def __init__(self, name="HASH", base=0x4802_1400, board=None):
        super().__init__(name, base, board, clock_gate=("AHB2ENR", 5))
        self.blocks = 0          # processed blocks (benchmarks)

    def reset(self):
        super().reset()
        ev = getattr(self, "_ev", None)
        if ev is not None:
            ev.cancel()
        self._ev = None
        self._h = hashlib.sha256()
        self._fifo: list[int] = []        # words waiting in the input FIFO
        self._last: bytes | None = None   # the newest word's bytes (maybe partial at DCAL)
        self._core_busy = False
        self._final_pending = False
        self._digest = bytes(32)

    # ---- helpers ------------------------------------------------------------------------------------
    def _note(self, msg):
        warn = getattr(self.board, "warn", None)
        if warn is not None:
            warn(f"sim: HASH: {msg}")

    def _block_ps(self, nblocks: int) -> int:
        rcc = getattr(self.board, "rcc", None)
        hz = rcc.hclk_hz() if rcc is not None else 64e6
        return int(nblocks * BLOCK_HCLK * 1e12 / hz)

    def _status(self):
        cr = self.get("CR") & ~(0xF << 8) & ~(1 << 12)
        cr |= min(len(self._fifo), 15) << 8 | (bool(self._fifo) << 12)
        self.set("CR", cr)
        sr = self.get("SR") & 0x2
        if len(self._fifo) < 16 and not self._final_pending:
            sr |= 0x1
        if self._core_busy or self._final_pending:
            sr |= 0x8
        self.set("SR", sr)

    def _after(self, ps, fn, what):
        clk = getattr(self.board, "clock", None)
        if clk is None:
            fn()
            return
        clk.device_busy_ps += ps
        self._ev = clk.after(ps, fn, f"HASH {what}")

    def _feed_word(self, data: bytes):
        if self._last is not None:
            self._h.update(self._last)
        self._last = data

    def _start_block(self):
        """The core takes 16 words from the FIFO when it is idle."""
        if self._core_busy or len(self._fifo) < 16:
            return
        block, self._fifo = self._fifo[:16], self._fifo[16:]
        for w in block:
            self._feed_word(w)
        self._core_busy = True
        self._after(self._block_ps(1), self._block_done, "block")
        self._status()

    def _block_done(self):
        self._ev = None
        self._core_busy = False
        self.blocks += 1
        self._start_block()
        if not self._core_busy and self._final_pending:
            self._finalize()
        self._status()

    def _finalize(self):
        rest = len(self._fifo)
        for w in self._fifo:
            self._feed_word(w)
        self._fifo = []
        nblw = self.get("STR", "NBLW")
        if self._last is not None:
            keep = 4 if nblw == 0 else (nblw + 7) // 8
            if nblw % 8:
                self._note(f"NBLW={nblw}: a message that is not whole bytes is not modelled (rounded up)")
            self._h.update(self._last[:keep])
            self._last = None
        self._digest = self._h.digest()
        self._core_busy = True
        pad_blocks = 1 if 4 * rest + 9 <= 64 else 2   # the last words, 0x80, the 64-bit length (FIPS 180-4 §5.1.1)
        self._after(self._block_ps(pad_blocks), self._final_done, "digest")

    def _final_done(self):
        self._ev = None
        self._core_busy = False
        self._final_pending = False
        for i in range(8):
            self.set(f"HR{i}", int.from_bytes(self._digest[4 * i:4 * i + 4], "big"))
        self.set("SR", self.get("SR") | 0x2)
        self._status()

    # ---- registers ------------------------------------------------------------------------------------
    def write_CR(self, old, new):
        if new & (1 << 6):
            self._note("HMAC mode is not modelled")
        if new & (1 << 3):
            self._note("DMA feeding (DMAE) is not modelled")
        if new & (1 << 2):               # INIT
            algo = (new >> 7 & 1) | (new >> 17 & 2)
            if algo != SHA256:
                self._note(f"ALGO={algo}: only SHA-256 (3) is modelled")
            ev = self._ev
            if ev is not None:
                ev.cancel()
            self._ev = None
            self._h = hashlib.sha256()
            self._fifo, self._last = [], None
            self._core_busy = self._final_pending = False
            self.set("SR", 0)
        self._status()

    def write_DIN(self, old, new):
        if self._final_pending:
            self._note("DIN written while the digest is being computed (after DCAL): ignored")
            return
        if len(self._fifo) >= 16:
            self._note("DIN written with the input FIFO full (SR.DINIS clear): a real bus stalls here")
        self._fifo.append(_swap(new & 0xFFFFFFFF, self.get("CR", "DATATYPE")))
        if self.get("SR") & 0x2:
            self.set("SR", self.get("SR") & ~0x2)
        self._start_block()
        self._status()

    def write_STR(self, old, new):
        if new & (1 << 8):              # DCAL
            self._final_pending = True
            if not self._core_busy:
                self._start_block()
            if not self._core_busy:
                self._finalize()
            self._status()
