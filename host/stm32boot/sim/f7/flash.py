"""F7 embedded FLASH controller (RM0385 §3): single bank, sectors 4 x 32 KB + 128 KB + 3 x 256 KB.

Unlock: KEYR KEY1 then KEY2 clears CR.LOCK; a wrong sequence is a bus error and CR stays locked until reset
(RM0385 §3.5.1). OPTKEYR likewise for OPTCR.OPTLOCK. Programming (§3.6.2): with CR.PG=1 every store into
the AXIM flash (0x0800_0000..) of the width PSIZE says (x8, x16, x32; x64 = two 32-bit stores to one
8-byte double word) programs after t_PROG; bits only go 1 -> 0 (no ECC on F74x). Erase (§3.6.3): SER +
SNB (or MER) then STRT; the time depends on the sector size and PSIZE (DS10916 §6.3.13 table).
Errors (§3.7.4 FLASH_SR), sticky until written 1:
    ERSERR  a store reached flash while CR was not set up for programming (PG=0, SER/MER set, locked)
    PGPERR  store width differs from PSIZE; the store is dropped
    PGAERR  the data does not fit in one 128-bit flash row; dropped
    WRPERR  program/erase of a sector whose nWRP bit is 0
    OPERR   any of the above while ERRIE=1 (the error interrupt's flag)
    EOP     end of a successful operation, only while EOPIE=1
BSY: from the start of an operation to its end. Writing CR or storing into flash while BSY=1 stalls the bus
until BSY clears (modelled: the virtual clock jumps to the end of the operation, then the access happens),
and so does every instruction fetch from the flash (single bank): code running from flash stops for the
whole operation (interrupts and DMA-less UART reception with it), code in ITCM/DTCM/SRAM runs on.
Option bytes (§3.8): OPTCR/OPTCR1 changes apply at OPTSTRT (BSY meanwhile) and persist in the state directory;
the 32-byte option area at 0x1FFF_0000 shows them as value + complement halves (layout: docs/f746-sim.md).
"""
from __future__ import annotations

from ..clock import ms, us
from ..periph.flash_array import FlashArrayModel
from ..regs import RO, WO, Field, Reg
KB = 1024
SECTORS = (32 * KB,) * 4 + (128 * KB,) + (256 * KB,) * 3
SR_EOP, SR_OPERR, SR_WRPERR, SR_PGAERR, SR_PGPERR, SR_ERSERR = 1, 2, 1 << 4, 1 << 5, 1 << 6, 1 << 7
SR_BSY = 1 << 16
ERRORS = SR_WRPERR | SR_PGAERR | SR_PGPERR | SR_ERSERR
PSIZE_BYTES = (1, 2, 4, 8)
ROW = 16          # 128-bit flash row (RM0385 §3.3.2)

# DS10916 §6.3.13 "Flash memory programming": typical (max) per PSIZE x8, x16, x32 (x64 as x32).
T_PROG = {"typ": us(16), "max": us(100), "zero": 0}
T_ERASE = {   # (32 KB, 128 KB, 256 KB, mass) per PSIZE
    "typ": [(ms(400), ms(1100), ms(2000), ms(16000)), (ms(300), ms(800), ms(1500), ms(11000)),
            (ms(250), ms(500), ms(1000), ms(8000)), (ms(250), ms(500), ms(1000), ms(8000))],
    "max": [(ms(800), ms(2400), ms(4000), ms(32000)), (ms(600), ms(1400), ms(2600), ms(22000)),
            (ms(500), ms(1100), ms(2000), ms(16000)), (ms(500), ms(1100), ms(2000), ms(16000))],
    "zero": [(0, 0, 0, 0)] * 4,
}
OPT_DELAY_PS = ms(1)   # model estimate
OPTCR_FACTORY = 0xC0FF_AAFD    # RDP 0xAA (level 0), nWRP all 1, BOR off, user bits 1, OPTLOCK
OPTCR1_FACTORY = 0x0040_0080   # BOOT_ADD0 0x0080 (flash on ITCM), BOOT_ADD1 0x0040 (system memory)
OPT_KEY = "f7_option_bytes"    # state.values


class FlashF7(FlashArrayModel):
    C_PREFIX = "FLASH"
    BUSY_BITS = SR_BSY
    POLL_REGS = frozenset({"SR"})
    # SR and CR change only in this model (register accesses, array stores, its busy events).
    STABLE_REGS = frozenset({"SR", "CR"})
    REGS = (
        Reg("ACR", 0x00, fields=(Field("LATENCY", 0, 4), Field("PRFTEN", 8), Field("ARTEN", 9), Field("ARTRST", 11))),
        Reg("KEYR", 0x04, access=WO), Reg("OPTKEYR", 0x08, access=WO),
        Reg("SR", 0x0C, access=RO, fields=(
            Field("EOP", 0, access="w1c"), Field("OPERR", 1, access="w1c"), Field("WRPERR", 4, access="w1c"),
            Field("PGAERR", 5, access="w1c"), Field("PGPERR", 6, access="w1c"), Field("ERSERR", 7, access="w1c"),
            Field("BSY", 16))),
        Reg("CR", 0x10, reset=0x8000_0000, fields=(
            Field("PG", 0), Field("SER", 1), Field("MER", 2), Field("SNB", 3, 4), Field("PSIZE", 8, 2),
            Field("STRT", 16), Field("EOPIE", 24), Field("ERRIE", 25), Field("LOCK", 31))),
        Reg("OPTCR", 0x14, reset=OPTCR_FACTORY, fields=(
            Field("OPTLOCK", 0), Field("OPTSTRT", 1), Field("BOR_LEV", 2, 2), Field("WWDG_SW", 4), Field("IWDG_SW", 5),
            Field("nRST_STOP", 6), Field("nRST_STDBY", 7), Field("RDP", 8, 8), Field("nWRP", 16, 8),
            Field("IWDG_STDBY", 30), Field("IWDG_STOP", 31))),
        Reg("OPTCR1", 0x18, reset=OPTCR1_FACTORY, fields=(Field("BOOT_ADD0", 0, 16), Field("BOOT_ADD1", 16, 16))),
    )

    def __init__(self, name="FLASH", base=0x4002_3C00, board=None, flash_base=0x0800_0000, profile="typ",
                 options_rom=None):
        self.flash_base = self.array_base = flash_base
        self.profile = profile
        self.options_rom = options_rom    # the option-byte Region (0x1FFF_0000), refreshed from OPTCR/OPTCR1
        self.reports: list[str] = []
        self._applied = None        # (OPTCR, OPTCR1) as programmed by OPTSTRT in this run; survives reset
        self.ends = []
        a = 0
        for size in SECTORS:
            self.ends.append((a, a + size))
            a += size
        super().__init__(name, base, board)

    # ---- state ----------------------------------------------------------------------------------
    def reset(self):
        self._cancel_busy()
        super().reset()
        saved = self._options()
        self.set("OPTCR", saved[0] | 1)
        self.set("OPTCR1", saved[1])
        self.key_state = 0          # 0: expect KEY1, 1: expect KEY2, -1: locked until reset
        self.optkey_state = 0
        self._busy_ev = None
        self._dword = None          # x64: (address, low word) waiting for its high word
        self._last_access = None
        self._truth = {}
        self._guard_pending = False
        self._show_options()

    @property
    def memory(self) -> bytearray:
        return self.board.flash.buf

    def _error(self, bits, why):
        if self.get("CR", "ERRIE"):
            bits |= SR_OPERR
        self._sr(bits)
        self._note(why)

    def sector_of(self, off: int) -> int:
        for n, (lo, hi) in enumerate(self.ends):
            if lo <= off < hi:
                return n
        return -1

    def protected(self, sector: int) -> bool:
        """From the programmed option bytes: an OPTCR edit counts once OPTSTRT has written it."""
        optcr = self._options()[0]
        return not (optcr >> (16 + sector) & 1)

    # ---- bus stall while busy -------------------------------------------------------------------
    def _stall(self):
        """RM0385 §3.5: an access to FLASH_CR or the array while BSY=1 stalls the bus until BSY clears."""
        ev = self._busy_ev
        clk = getattr(self.board, "clock", None)
        if ev is not None and clk is not None:
            clk.advance_to(ev.when)

    def bus_write(self, offset, size, value):
        if offset & ~3 == 0x10:
            self._stall()
        super().bus_write(offset, size, value)

    def _stall_fetching_cpu(self):
        if self._cpu_in_flash():
            self._stall()

    def _cpu_in_flash(self) -> bool:
        """Single bank (RM0385 §3.3.5): a flash read during program/erase stalls the bus, so a CPU
        running from flash stops until the operation ends; code in RAM runs on."""
        pc = getattr(self.board, "pc", None)
        if pc is None or not hasattr(self.board, "uc"):
            return False
        a = pc()
        off = a - self.flash_base if a >= self.flash_base else a - 0x0020_0000
        return 0 <= off < len(self.memory)

    def _end_bits(self):
        return SR_EOP if self.get("CR", "EOPIE") else 0

    # ---- keys -----------------------------------------------------------------------------------
    def _bus_error(self, why):
        self._note(why)
        fault = getattr(self.board, "bus_fault", None)
        if fault is not None:
            fault(self.base + 4, why, write=True)

    def _wrong_key(self, reg, value):
        if reg == "CR":
            self._bus_error(f"wrong FLASH_KEYR sequence (0x{value:08X}): bus error, CR locked until reset "
                            f"(RM0385 §3.5.1)")
        else:
            self._bus_error(f"wrong FLASH_OPTKEYR sequence (0x{value:08X}): OPTCR locked until reset")

    def stable_peek(self):
        """SR and CR as reads show them now (neither read has a side effect; machine._rc_fill): the driver
        reads them in turns around every word."""
        values, rmask = self.values, self._rmask
        return (0x0C, values[0x0C] & rmask[0x0C]), (0x10, values[0x10] & rmask[0x10])

    # ---- control --------------------------------------------------------------------------------
    def write_CR(self, old, new):
        if old >> 31 & 1:           # locked: only the keys open it
            self.set("CR", old)
            return
        if new >> 31 & 1:
            self.set("CR", new & ~(1 << 16))
            return
        if new >> 16 & 1:
            self.set("CR", new & ~(1 << 16))
            self._start_erase(new)

    def _start_erase(self, cr):
        ser, mer, psize = cr >> 1 & 1, cr >> 2 & 1, cr >> 8 & 3
        if ser and mer:
            self._note("STRT with both SER and MER set: no erase (RM0385 §3.6.3)")
            return
        if not (ser or mer):
            return
        times = T_ERASE[self.profile][psize]
        if ser:
            n = cr >> 3 & 0xF
            if n >= len(SECTORS):
                self._note(f"STRT with SNB={n}: no such sector (0-{len(SECTORS) - 1}); nothing erased")
                return
            if self.protected(n):
                self._error(SR_WRPERR, f"erase of write-protected sector {n} (nWRP{n}=0): refused (WRPERR)")
                return
            lo, hi = self.ends[n]
            t = times[{32 * KB: 0, 128 * KB: 1, 256 * KB: 2}[hi - lo]]
            if self._power_cut("erase", lo, b"\xff" * (hi - lo), t):
                return
            self._busy(t, lambda: self._fill(lo, hi - lo), f"sector {n} erase")
        else:
            if any(self.protected(n) for n in range(len(SECTORS))):
                self._error(SR_WRPERR, "mass erase with a write-protected sector: refused (WRPERR)")
                return
            if self._power_cut("erase", 0, b"\xff" * len(self.memory), times[3]):
                return
            self._busy(times[3], lambda: self._fill(0, len(self.memory)), "mass erase")

    def write_OPTCR(self, old, new):
        if old & 1:
            self.set("OPTCR", old)
            return
        if new & 2:
            self.set("OPTCR", new & ~2)
            self._sr(SR_BSY)
            clk = getattr(self.board, "clock", None)
            if clk is None:
                self._apply_options()
            else:
                self._busy_ev = clk.after(OPT_DELAY_PS, self._apply_options, "FLASH option bytes")

    def write_OPTCR1(self, old, new):
        if self.get("OPTCR", "OPTLOCK"):
            self.set("OPTCR1", old)

    def _apply_options(self):
        self._busy_ev = None
        self._sr(clear_bits=SR_BSY)
        self._applied = (self.get("OPTCR") & ~3, self.get("OPTCR1"))
        state = getattr(self.board, "state", None)
        if state is not None:
            state.values[OPT_KEY] = [self.get("OPTCR") & ~3, self.get("OPTCR1")]
        self._show_options()

    def _options(self):
        """(OPTCR, OPTCR1) in force: programmed in this run, else from the state, else factory."""
        return self._applied or self._saved_options() or (OPTCR_FACTORY, OPTCR1_FACTORY)

    def _saved_options(self):
        state = getattr(self.board, "state", None)
        saved = state.values.get(OPT_KEY) if state is not None else None
        return tuple(saved) if saved else None

    def _show_options(self):
        """The option area: each 32-bit word holds a 16-bit value and its complement (RM0385 §3.4.1)."""
        rom = self.options_rom
        if rom is None:
            return
        optcr, optcr1 = self._options()
        halves = (optcr & 0xFFFF & ~3, (optcr >> 16) & 0xFFFF, optcr1 & 0xFFFF, optcr1 >> 16)
        for i, v in enumerate(halves):
            rom.buf[8 * i:8 * i + 4] = (v | (~v & 0xFFFF) << 16).to_bytes(4, "little")

    # ---- programming (the machine's write-protect hook) -----------------------------------------
    def bus_write_array(self, addr: int, size: int, value: int) -> bool:
        self._stall()
        clk = getattr(self.board, "clock", None)
        now = clk.now if clk is not None else None
        last = self._last_access
        if last is not None and now is not None and last[2] == now and last[0] <= addr and addr + size <= last[1] \
                and (last[0], last[1]) != (addr, addr + size):
            return True     # unicorn replays an unaligned store byte by byte: the same access, seen again
        self._last_access = (addr, addr + size, now)
        self._store(addr, size, value)
        guarded = getattr(self.board, "store_guarded", None)   # the machine puts the bytes back itself
        if guarded is None or not guarded(size):
            self._guard(addr, size)
        return True     # consumed: silicon ignores a refused store and flags it

    def _store(self, addr, size, value):
        cr = self.get("CR")
        off = addr - self.flash_base
        if cr >> 31 & 1 or not cr & 1 or cr & 6:
            why = "locked" if cr >> 31 & 1 else "PG=0" if not cr & 1 else "SER/MER set"
            self._error(SR_ERSERR, f"store to 0x{addr:08X} while CR is not set up for programming ({why}): ERSERR")
            return
        psize = cr >> 8 & 3
        want = PSIZE_BYTES[psize]
        if size != want and not (psize == 3 and size == 4):
            self._error(SR_PGPERR, f"{size * 8}-bit store to 0x{addr:08X} with PSIZE=x{want * 8}: dropped (PGPERR)")
            self._dword = None
            return
        if addr % ROW + size > ROW:
            self._error(SR_PGAERR, f"{size}-byte store to 0x{addr:08X} crosses a 128-bit row: dropped (PGAERR)")
            return
        sector = self.sector_of(off)
        if self.protected(sector):
            self._error(SR_WRPERR, f"program of write-protected sector {sector}: refused (WRPERR)")
            return
        data = value.to_bytes(size, "little")
        if psize == 3 and size == 4:        # x64: two 32-bit stores make one double word (RM0385 §3.6.2)
            if addr % 8 == 0:
                self._dword = (addr, data)
                return
            if self._dword is None or self._dword[0] != addr - 4:
                self._error(SR_PGAERR, f"x64: high word at 0x{addr:08X} without its low word: dropped (PGAERR)")
                self._dword = None
                return
            addr, data = self._dword[0], self._dword[1] + data
            off = addr - self.flash_base
            self._dword = None
        cur = self.memory[off:off + len(data)]
        if any(c & b != b for c, b in zip(cur, data)):
            self._note(f"0x{addr:08X}: programming over bits already 0 (an erase is needed to set them)")

        def done():
            for i, b in enumerate(data):
                self.memory[off + i] &= b
            self._model_wrote(off, len(data))
            self._changed(addr, addr + len(data))
        if self._power_cut("program", off, bytes(c & b for c, b in zip(cur, data)), T_PROG[self.profile]):
            self._model_wrote(off, len(data))     # what the cut left is what the cells hold
            return
        self._busy(T_PROG[self.profile], done, f"program 0x{addr:08X}")
