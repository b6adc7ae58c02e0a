"""Embedded FLASH controller, single bank (RM0468, FLASH chapter).

Guest stores into 0x0800_0000.. arrive through the machine's write-protect hook as
bus_write_array(addr, size, value). They are accepted only with CR.PG=1 and LOCK=0 (else PGSERR), collect
in the 32-byte write buffer (WBNE), and commit when the flash word is full (or on CR.FW): QW stays set for
the word-program time by PSIZE, then EOP. INCERR when a store leaves the open flash word, STRBERR when a
byte of the buffer is written twice. Programming a flash word that is not erased is reported in words
(silicon: ECC errors on later reads) and sets OPERR. SER/BER + START erase after the datasheet time.
A write-protected sector (WPSN_CUR bit = 0) gives WRPERR. Wrong KEYR sequence: locked until reset.
A single bank cannot be read while it programs or erases (RM0468 FLASH chapter: read-while-write only
across banks; the H735 has one): code running from the array stalls from the start of an operation to its
end. Not modelled: data reads of the busy array by code running from RAM (they see the array at once; our
bootloader waits for the flash before it reads it); ECC read errors; CRC unit.
Time profiles: "typ" (datasheet typical), "max", "zero" (instant, for fast functional tests).
"""
from __future__ import annotations

from functools import partial

from ..clock import ms, us
from ..regs import RO, WO, Field, Reg
from .flash_array import FlashArrayModel
FLASH_BASE, FLASH_SIZE, SECTOR, WORD = 0x0800_0000, 0x10_0000, 0x2_0000, 32

SR_BSY, SR_WBNE, SR_QW = 1 << 0, 1 << 1, 1 << 2
SR_EOP, SR_WRPERR, SR_PGSERR, SR_STRBERR = 1 << 16, 1 << 17, 1 << 18, 1 << 19
SR_INCERR, SR_OPERR = 1 << 21, 1 << 22
CLEARABLE = 0x1FEF0000   # EOP .. CRCRDERR (bits 16-28, not 20)
SR_ERRORS = CLEARABLE & ~(SR_EOP | 1 << 27)   # every error flag (not EOP, CRCEND)
CR_IE = 0x1FEF0000       # EOPIE .. CRCRDERRIE: same bits as the SR flags
ERASED_WORD = b"\xff" * WORD
CR, SR, WPSN_CUR = 0x0C, 0x10, 0x38   # offsets (REGS): _store, on every guest store, uses them directly

# (word program, sector erase, bank erase) per PSIZE x8, x16, x32, x64 (docs/performance.md; H743 figures).
PROFILES = {
    "typ": [(us(290), ms(2000), ms(13000)), (us(180), ms(1800), ms(8000)), (us(130), ms(1100), ms(6000)),
            (us(100), ms(1000), ms(5000))],
    "max": [(us(580), ms(4000), ms(26000)), (us(360), ms(3600), ms(16000)), (us(260), ms(2200), ms(12000)),
            (us(200), ms(2000), ms(10000))],
    "zero": [(0, 0, 0)] * 4,
}
OPT_DELAY_PS = ms(1)
OPT_MAGIC = b"OPT1"   # option-byte change (model estimate)

CR_FIELDS = (Field("LOCK", 0), Field("PG", 1), Field("SER", 2), Field("BER", 3), Field("PSIZE", 4, 2),
             Field("FW", 6), Field("START", 7), Field("SNB", 8, 3), Field("CRC_EN", 15)) + tuple(
    Field(n, b) for n, b in (("EOPIE", 16), ("WRPERRIE", 17), ("PGSERRIE", 18), ("STRBERRIE", 19), ("INCERRIE", 21),
                             ("OPERRIE", 22), ("RDPERRIE", 23), ("RDSERRIE", 24), ("SNECCERRIE", 25),
                             ("DBECCERRIE", 26), ("CRCENDIE", 27), ("CRCRDERRIE", 28)))
SR_FIELDS = (Field("BSY", 0), Field("WBNE", 1), Field("QW", 2), Field("CRC_BUSY", 3)) + tuple(
    Field(n, b) for n, b in (("EOP", 16), ("WRPERR", 17), ("PGSERR", 18), ("STRBERR", 19), ("INCERR", 21),
                             ("OPERR", 22), ("RDPERR", 23), ("RDSERR", 24), ("SNECCERR", 25), ("DBECCERR", 26),
                             ("CRCEND", 27), ("CRCRDERR", 28)))
OPTSR_RESET = 0x0006AAD0   # RDP=0xAA (level 0), IWDG1_SW, NRST_STOP/STBY, FZ_IWDG [RM? factory value]


class Flash(FlashArrayModel):
    C_PREFIX = "FLASH"
    BUSY_BITS = SR_QW | SR_BSY
    array_base, array_size = FLASH_BASE, FLASH_SIZE
    C_FIELD_ALIASES = {"OPTSR_CUR": "OPTSR", "OPTSR_PRG": "OPTSR", "WPSN_CUR": "WPSN", "WPSN_PRG": "WPSN",
                       "BOOT_CUR": "BOOT", "BOOT_PRG": "BOOT", "OPTSR2_CUR": "OPTSR2", "OPTSR2_PRG": "OPTSR2"}
    POLL_REGS = frozenset({"SR", "OPTSR_CUR"})
    # SR and CR change only in this model (register accesses, array stores, its busy events).
    STABLE_REGS = frozenset({"SR", "CR"})
    POSTED_REGS = frozenset({"CCR"})    # clears SR flags only: may be applied late, in order
    REGS = (
        Reg("ACR", 0x00, reset=0x37, fields=(Field("LATENCY", 0, 4), Field("WRHIGHFREQ", 4, 2))),
        Reg("KEYR", 0x04, access=WO), Reg("OPTKEYR", 0x08, access=WO),
        Reg("CR", 0x0C, reset=0x31, fields=CR_FIELDS),
        Reg("SR", 0x10, access=RO, fields=SR_FIELDS),
        Reg("CCR", 0x14, access=WO),
        Reg("OPTCR", 0x18, reset=0x1, fields=(Field("OPTLOCK", 0), Field("OPTSTART", 1), Field("OPTCHANGEERRIE", 30))),
        Reg("OPTSR_CUR", 0x1C, reset=OPTSR_RESET, access=RO),
        Reg("OPTSR_PRG", 0x20, reset=OPTSR_RESET),
        Reg("OPTCCR", 0x24, access=WO),
        Reg("PRAR_CUR", 0x28, reset=0xFF, access=RO), Reg("PRAR_PRG", 0x2C, reset=0xFF),
        Reg("SCAR_CUR", 0x30, reset=0xFF, access=RO), Reg("SCAR_PRG", 0x34, reset=0xFF),
        Reg("WPSN_CUR", 0x38, reset=0xFF, access=RO, fields=(Field("WRPSN", 0, 8),)),
        Reg("WPSN_PRG", 0x3C, reset=0xFF, fields=(Field("WRPSN", 0, 8),)),
        Reg("BOOT_CUR", 0x40, reset=0x1FF00800, access=RO, fields=(Field("BOOT_ADD0", 0, 16), Field("BOOT_ADD1", 16, 16))),
        Reg("BOOT_PRG", 0x44, reset=0x1FF00800, fields=(Field("BOOT_ADD0", 0, 16), Field("BOOT_ADD1", 16, 16))),
        Reg("CRCCR", 0x50), Reg("CRCSADD", 0x54), Reg("CRCEADD", 0x58), Reg("CRCDATA", 0x5C),
        Reg("ECC_FA", 0x60, access=RO),
        Reg("OPTSR2_CUR", 0x70, access=RO, fields=(Field("TCM_AXI_SHARED", 0, 2), Field("CPUFREQ_BOOST", 2))),
        Reg("OPTSR2_PRG", 0x74, fields=(Field("TCM_AXI_SHARED", 0, 2), Field("CPUFREQ_BOOST", 2))),
    )
    OPT_PAIRS = (("OPTSR_PRG", "OPTSR_CUR"), ("PRAR_PRG", "PRAR_CUR"), ("SCAR_PRG", "SCAR_CUR"),
                 ("WPSN_PRG", "WPSN_CUR"), ("BOOT_PRG", "BOOT_CUR"), ("OPTSR2_PRG", "OPTSR2_CUR"))

    def __init__(self, name="FLASH", base=0x5200_2000, board=None, memory=None, profile="typ"):
        if profile not in PROFILES:
            raise ValueError(f"unknown flash time profile {profile!r} (use {', '.join(PROFILES)})")
        self.profile = profile
        self._memory = memory          # bytearray of the 1 MB array; default: the machine's flash region
        self.reports: list[str] = []   # double-programmed words etc., in words
        self.options = None            # option bytes survive reset (and runs, via save_options/load_options)
        super().__init__(name, base, board)

    def reset(self):
        self._cancel_busy()
        saved = self.options if self.options is not None else self._load_options()
        super().reset()
        if saved is not None:
            for _, cur in self.OPT_PAIRS:
                self.set(cur, saved[cur])
            for prg, cur in self.OPT_PAIRS:
                self.set(prg, saved[cur])
        self.key_state = 0          # 0: expect KEY1, 1: expect KEY2, -1: locked until reset
        self.optkey_state = 0
        self.buf = {}               # offset in word -> byte
        self.buf_word = None        # address of the open flash word
        self._busy_ev = None
        self._truth = {}            # flash offset -> byte, see _guard
        self._guard_pending = False
        self.collect_update()

    def stable_peek(self):
        """CR and SR as reads show them now (neither read has a side effect; machine._rc_fill): a driver reads
        them in turns around every flash word."""
        values, rmask = self.values, self._rmask
        return (CR, values[CR] & rmask[CR]), (SR, values[SR] & rmask[SR])

    # ---- helpers --------------------------------------------------------------------------------
    @property
    def memory(self) -> bytearray:
        if self._memory is not None:
            return self._memory
        return self.board.flash.buf

    def _times(self):
        return PROFILES[self.profile][self.get("CR", "PSIZE")]

    def _end_bits(self):
        return SR_EOP

    def _stall_fetching_cpu(self) -> None:
        """Code running from the array fetches its next instruction from it: the CPU waits until the
        operation ends (the clock moves on to it, serving every other event on the way)."""
        pc = getattr(self.board, "pc", None)
        region = getattr(self.board, "flash", None)
        if pc is None or region is None or self._memory is not None or not region.contains(pc()):
            return
        while self._busy_ev is not None and self.board.warp():
            pass

    def protected(self, sector: int) -> bool:
        return not (self.get("WPSN_CUR", "WRPSN") >> sector & 1)

    def protect(self, sector: int, on: bool = True) -> None:
        """Host-side: mark a sector write-protected as if by option bytes (tests)."""
        v = self.get("WPSN_CUR")
        v = v & ~(1 << sector) if on else v | 1 << sector
        self.set("WPSN_CUR", v)
        self.set("WPSN_PRG", v)
        self._save_options()

    # ---- key registers --------------------------------------------------------------------------
    def _wrong_key(self, reg, value):
        if reg == "CR":
            self._note(f"wrong FLASH_KEYR sequence (0x{value:08X}): CR stays locked until reset")

    # ---- control ------------------------------------------------------------------------------
    def write_CR(self, old, new):
        if old & 1:   # locked: only the keys open it
            self.set("CR", old)
            return
        if new & 1:   # re-lock
            self.key_state = 0 if self.key_state != -1 else -1
            self.set("CR", new & ~(1 << 7))
            return
        if old & 2 and not new & 2 and self.buf:
            self._sr(SR_PGSERR)   # PG cleared with a half-written flash word
            self._drop_buffer()
        if new & (1 << 6) and self.buf:   # FW: force the partial word
            self._commit()
        if new & (1 << 7):
            self.set("CR", new & ~(1 << 7))   # START reads back 0 once taken
            self._start_erase(new)

    def _start_erase(self, cr):
        ser, ber = cr >> 2 & 1, cr >> 3 & 1
        if self.get("SR") & SR_QW or self.buf or cr & 2 or (ser and ber) or not (ser or ber):
            self._sr(SR_PGSERR)
            return
        word_t, sector_t, bank_t = self._times()
        if ser:
            n = cr >> 8 & 7
            if self.protected(n):
                self._sr(SR_WRPERR)
                return
            lo = FLASH_BASE + n * SECTOR
            if self._power_cut("erase", lo - FLASH_BASE, b"\xff" * SECTOR, sector_t):
                return
            self._busy(sector_t, lambda: self._fill(lo - FLASH_BASE, SECTOR), f"sector {n} erase")
        else:
            if any(self.protected(n) for n in range(8)):
                self._sr(SR_WRPERR)
                return
            if self._power_cut("erase", 0, b"\xff" * FLASH_SIZE, bank_t):
                return
            self._busy(bank_t, lambda: self._fill(0, FLASH_SIZE), "bank erase")

    def write_CCR(self, old, new):
        self._sr(clear_bits=new & CLEARABLE)

    def write_OPTCCR(self, old, new):
        if new >> 30 & 1:
            self.set("OPTSR_CUR", self.get("OPTSR_CUR") & ~(1 << 30))

    def write_OPTCR(self, old, new):
        if old & 1:
            self.set("OPTCR", old)
            return
        if new & 2:
            self.set("OPTCR", new & ~2)
            self.set("OPTSR_CUR", self.get("OPTSR_CUR") | 1)   # OPT_BUSY
            clk = getattr(self.board, "clock", None)
            if clk is None:
                self._apply_options()
            else:
                clk.after(OPT_DELAY_PS, self._apply_options, "FLASH option bytes")

    def _apply_options(self):
        for prg, cur in self.OPT_PAIRS:
            v = self.get(prg)
            if cur == "OPTSR_CUR":
                v = (v & ~((1 << 30) | 1))
            self.set(cur, v)
        self._save_options()

    def _options_blob(self):
        state = getattr(self.board, "state", None)
        return state.blob("flash_options", 4 + 4 * len(self.OPT_PAIRS)) if state is not None else None

    def _load_options(self):
        """Option bytes persist in the board's state directory (blob "flash_options": magic + CUR words)."""
        blob = self._options_blob()
        if blob is None or blob[:4] != OPT_MAGIC:
            return None
        words = [int.from_bytes(blob[4 + 4 * i:8 + 4 * i], "little") for i in range(len(self.OPT_PAIRS))]
        return {cur: w for (_, cur), w in zip(self.OPT_PAIRS, words)}

    def _save_options(self):
        self.options = {cur: self.get(cur) for _, cur in self.OPT_PAIRS}
        blob = self._options_blob()
        if blob is not None:
            blob[:] = OPT_MAGIC + b"".join(self.options[cur].to_bytes(4, "little") for _, cur in self.OPT_PAIRS)
            self.board.state.mark_dirty("flash_options")

    # ---- programming (machine's write-protect hook) --------------------------------------------
    def bus_write(self, offset: int, size: int, value: int) -> None:
        super().bus_write(offset, size, value)
        self.collect_update()

    def collect_update(self) -> None:
        """Tell the machine whether the C side may collect the guest's stores of one flash word and hand the
        whole word over at its last store (vclock.h, flash-word collection): while programming is enabled
        (PG=1, LOCK=0), the write buffer is empty, no error flag is set and no interrupt is enabled, each
        store before the last changes nothing but the write buffer, which no one can look at before the C
        side hands the stores over (a register access, a slice end)."""
        collect = getattr(self.board, "flash_collect", None)
        if collect is not None:
            values = self.values
            cr = values[CR]
            collect(cr & 3 == 2 and not cr & CR_IE and not values[SR] & SR_ERRORS and self.buf_word is None)

    def bus_write_array(self, addr: int, size: int, value: int) -> bool:
        accepted = self._store(addr, size, value)
        guarded = getattr(self.board, "store_guarded", None)   # the machine puts the bytes back itself
        if guarded is None or not guarded(size):
            self._guard(addr, size)
        self.collect_update()
        return accepted

    def bus_write_word(self, word: int, data: bytes, stores) -> None:
        """The guest's stores that filled the flash word at `word` (32 bytes `data`, each byte stored once;
        stores: (insns, value, addr, size) in order), taken at the last one (machine._on_flash_word). From
        an empty buffer with programming enabled in a writable sector that is the eighth store's commit;
        otherwise each store as bus_write_array takes it."""
        values = self.values
        cr = values[CR]
        if cr & 3 != 2 or self.buf_word is not None or \
                not values[WPSN_CUR] >> ((word - FLASH_BASE) // SECTOR) & 1:
            for _, value, addr, size in stores:
                self.bus_write_array(addr, size, value)
            return
        self._program(word, data)
        self.collect_update()

    def _store(self, addr: int, size: int, value: int) -> bool:
        # Runs for every guest store into the array (8 per flash word): the registers through `values`.
        values = self.values
        cr = values[CR]
        if cr & 1 or not cr & 2:
            values[SR] |= SR_PGSERR
            return True   # the store is consumed (silicon ignores it and flags the error)
        # (stores may queue behind a busy word (QW): modelled as accepted)
        word = addr & ~(WORD - 1)
        if not values[WPSN_CUR] >> ((addr - FLASH_BASE) // SECTOR) & 1:   # WPSN_CUR.WRPSN bit 0: protected
            values[SR] |= SR_WRPERR
            return True
        if self.buf_word is not None and word != self.buf_word:
            self._sr(SR_INCERR)
            self._note(f"store to 0x{addr:08X} while flash word 0x{self.buf_word:08X} is still open (INCERR)")
            self._drop_buffer()
            return True
        self.buf_word = word
        buf = self.buf
        base = addr - word
        for i in range(size):
            off = base + i
            if off in buf:
                self._sr(SR_STRBERR)
                self._note(f"byte 0x{addr + i:08X} written twice in the write buffer (STRBERR)")
                self._drop_buffer()
                return True
            buf[off] = value >> (8 * i) & 0xFF
        values[SR] |= SR_WBNE
        if len(buf) == WORD:
            self._commit()
        return True

    def _drop_buffer(self):
        self.buf = {}
        self.buf_word = None
        self._sr(clear_bits=SR_WBNE)

    def _commit(self):
        word, buf = self.buf_word, self.buf
        self._drop_buffer()
        self._program(word, bytes(buf[i] for i in range(WORD)) if len(buf) == WORD else buf)

    def _program(self, word: int, data) -> None:
        """Program the flash word at `word`: `data` its 32 bytes, or {offset: byte} for a partial word (FW):
        the bytes left out stay as they were (erased); bits only clear."""
        off = word - FLASH_BASE
        # What the array holds per this model: the word's earlier stores may already sit in the host
        # buffer (see _guard) when all eight land in one translated block, so read through _truth.
        truth, mem = self._truth, self.memory
        if truth:
            cur = bytes(truth.get(a, mem[a]) for a in range(off, off + WORD))
        else:
            cur = bytes(mem[off:off + WORD])
        erased = cur == ERASED_WORD
        if not erased:
            self._note(f"flash word 0x{word:08X} programmed twice without erase (ECC error on silicon)")
            self._sr(SR_OPERR)
        if isinstance(data, bytes):
            new = data if erased else bytes(c & d for c, d in zip(cur, data))
            done = partial(self._programmed, off, new)
        else:
            new = bytes(cur[i] & data.get(i, 0xFF) for i in range(WORD))

            def done():
                for i in data:
                    self.memory[off + i] = new[i]
                self._model_wrote(off, WORD)
                self._changed(word, word + WORD)
        word_t = PROFILES[self.profile][self.values[CR] >> 4 & 3][0]   # PSIZE
        if self._power_cut("program", off, new, word_t):
            return
        self._busy(word_t, done, f"program 0x{word:08X}")

    def _programmed(self, off: int, new: bytes) -> None:
        self.memory[off:off + WORD] = new
        if self._truth:
            self._model_wrote(off, WORD)
        self._changed(FLASH_BASE + off, FLASH_BASE + off + WORD)
