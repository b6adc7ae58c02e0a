"""OCTOSPI controller (OCTOSPI1 0x52005000, OCTOSPI2 0x5200A000), RM0468, OCTOSPI chapter; docs/hardware-notes.md.

Register rules from the reference: FMODE picks indirect write/read, automatic status polling or
memory-mapped; a transfer starts on IR, AR or the first DR write depending on the phases (RM0468, OCTOSPI command start rules);
the 32-byte FIFO drives FTF/FLEVEL; BUSY clears only when the exchange is over AND the FIFO is empty;
ABORT self-clears and sets TCF; AR is ignored while BUSY or mapped; other configuration writes while
BUSY are dropped and noted. Phases become a `Transfer` for the device on the port (devices/xfer.py);
transfer time runs on the virtual clock at F_kernel/(PRESCALER+1). Memory-mapped mode, the timeout
(TCEN/LPTR/TOF), CSBOUND splitting, REFRESH and wrap checks live in ospi_mapped.MappedMode; the
memory window itself in ospi_window.MemWindow; a command's decoded framing in ospi_framing.Framing; automatic
status polling and repeated status reads in ospi_polling.StatusPolling.
"""
from __future__ import annotations

from ..devices.xfer import MTYP_MACRONIX, NoDevice, Transfer, swap16
from ..regs import RO, RW, W1C, WO, Field, Peripheral, Reg
from .indirect_data import IndirectData
from .ospi_framing import HYPER_MTYPS, Framing
from .ospi_mapped import MappedMode
from .ospi_polling import StatusPolling
from .ospi_window import MemWindow

DEFAULT_KERNEL_HZ = 64_000_000  # HSI when RCC does not say otherwise


def _ccr_fields():
    return (Field("IMODE", 0, 3), Field("IDTR", 3), Field("ISIZE", 4, 2), Field("ADMODE", 8, 3),
            Field("ADDTR", 11), Field("ADSIZE", 12, 2), Field("ABMODE", 16, 3), Field("ABDTR", 19),
            Field("ABSIZE", 20, 2), Field("DMODE", 24, 3), Field("DDTR", 27), Field("DQSE", 29),
            Field("SIOO", 31))


_TCR = (Field("DCYC", 0, 5), Field("DHQC", 28), Field("SSHIFT", 30))
# Registers a write to which is dropped while BUSY=1 (RM0468, OCTOSPI chapter).
CONFIG = {"DCR1", "DCR2", "DCR3", "DCR4", "DLR", "PSMKR", "PSMAR", "PIR", "CCR", "TCR", "IR", "ABR",
          "LPTR", "WPCCR", "WPTCR", "WPIR", "WPABR", "WCCR", "WTCR", "WIR", "WABR", "HLCR"}
CR_ALWAYS = 0x1 | 0x2 | 0x1F0000  # EN, ABORT, interrupt enables stay writable while busy
# (prefix) -> offsets of its CCR, TCR, IR, ABR: the regular, wrap-read (WP) and memory-mapped write (W) sets.
_PHASE_REGS = {"": (0x100, 0x108, 0x110, 0x120), "WP": (0x140, 0x148, 0x150, 0x160),
               "W": (0x180, 0x188, 0x190, 0x1A0)}




class Octospi(StatusPolling, IndirectData, MappedMode, Peripheral):
    DR_OFFSET, SR_OFFSET = 0x050, 0x020
    C_PREFIX = "OCTOSPI"
    C_FIELD_ALIASES = {"WPCCR": "CCR", "WCCR": "CCR", "WPTCR": "TCR", "WTCR": "TCR"}  # octospi_regs.h shares them
    SIZE = 0x400
    POLL_REGS = {"SR"}
    # What SR and CR show changes only in this model's Python code (accesses, its clock events); with
    # the write sink armed, SR reads are answered by the sink instead (machine.sink_arm).
    STABLE_REGS = frozenset({"SR", "CR"})
    # Writes whose whole effect is on this model's registers and flags, whenever they land between two
    # events (no clock use, no events, no memory window): the machine may apply them late, in order.
    # Each with the stable registers its write can change otherwise than in POSTED_CLEARS: none (a write
    # to FCR clears the SR flags TEF/TCF/SMF/TOF it has set, and nothing else, write_FCR/read_SR).
    POSTED_REGS = {"DLR": (), "PSMKR": (), "PSMAR": (), "PIR": (), "FCR": ()}
    POSTED_CLEARS = {"FCR": ("SR", 0x1B)}
    # Writes after which the guest reads SR next (a command started or the write data completed): the
    # machine then hands SR and CR to the C side at once (stable_peek; after any read of ours too).
    PEEK_AFTER_WRITES = frozenset({"IR", "AR", "DR"})
    # CCR and TCR also set up the memory-mapped window (_update_window): only while the controller is out
    # of memory-mapped mode with its window already off is a write to them nothing but a stored value
    # (dropped while BUSY, as any configuration write): posted then (machine.allow_posting).
    POSTED_SWITCHED = {"CCR": (), "TCR": ()}
    REGS = (
        Reg("CR", 0x000, fields=(Field("EN", 0), Field("ABORT", 1), Field("DMAEN", 2), Field("TCEN", 3),
                                 Field("DQM", 6), Field("FSEL", 7), Field("FTHRES", 8, 5),
                                 Field("TEIE", 16), Field("TCIE", 17), Field("FTIE", 18),
                                 Field("SMIE", 19), Field("TOIE", 20), Field("APMS", 22),
                                 Field("PMM", 23), Field("FMODE", 28, 2))),
        Reg("DCR1", 0x008, fields=(Field("CKMODE", 0), Field("FRCK", 1), Field("DLYBYP", 3),
                                   Field("CKCSHT", 4, 3), Field("CSHT", 8, 3), Field("DEVSIZE", 16, 5),
                                   Field("MTYP", 24, 3))),
        Reg("DCR2", 0x00C, fields=(Field("PRESCALER", 0, 8), Field("WRAPSIZE", 16, 3))),
        Reg("DCR3", 0x010, fields=(Field("MAXTRAN", 0, 8), Field("CSBOUND", 16, 5))),
        Reg("DCR4", 0x014),
        Reg("SR", 0x020, access=RO, fields=(Field("TEF", 0), Field("TCF", 1), Field("FTF", 2),
                                            Field("SMF", 3), Field("TOF", 4), Field("BUSY", 5),
                                            Field("FLEVEL", 8, 6))),
        Reg("FCR", 0x024, access=WO, fields=(Field("CTEF", 0), Field("CTCF", 1), Field("CSMF", 3),
                                             Field("CTOF", 4))),
        Reg("DLR", 0x040), Reg("AR", 0x048), Reg("DR", 0x050),
        Reg("PSMKR", 0x080), Reg("PSMAR", 0x088), Reg("PIR", 0x090, fields=(Field("INTERVAL", 0, 16),)),
        Reg("CCR", 0x100, fields=_ccr_fields()), Reg("TCR", 0x108, fields=_TCR),
        Reg("IR", 0x110), Reg("ABR", 0x120), Reg("LPTR", 0x130, fields=(Field("TIMEOUT", 0, 16),)),
        Reg("WPCCR", 0x140, fields=_ccr_fields()), Reg("WPTCR", 0x148, fields=_TCR),
        Reg("WPIR", 0x150), Reg("WPABR", 0x160),
        Reg("WCCR", 0x180, fields=_ccr_fields()), Reg("WTCR", 0x188, fields=(Field("DCYC", 0, 5),)),
        Reg("WIR", 0x190), Reg("WABR", 0x1A0),
        Reg("HLCR", 0x200, fields=(Field("LM", 0), Field("WZL", 1), Field("TACC", 8, 8), Field("TRWR", 16, 8))),
        Reg("HWCFGR", 0x3F0, access=RO), Reg("VER", 0x3F4, access=RO, reset=0x21),
        Reg("ID", 0x3F8, access=RO), Reg("MID", 0x3FC, access=RO),
    )

    def __init__(self, name: str, base: int, window_base: int, board=None, clock_gate=None,
                 device=None, machine=None):
        self.device = device or NoDevice()
        self.window = MemWindow(name, window_base, machine)
        self.window.on_access = lambda: self._mm_touch()
        self.trace: list[str] = []
        self.port_ok = lambda: (True, "")  # OCTOSPIM routing check, set by Octospim.connect
        self.pins = ()          # (signal, pin, AF) the board wires to this instance (ospi_board), checked
        self._pin_ports = None  # gpio.PinRouting over self.pins, made at first use
        self.ospim = None
        self.ospim_index = 0
        self._ev = None
        self._frames: dict = {}  # _framing's cache
        super().__init__(name, base, board, clock_gate)
        # offset -> (RW, W1C, WO masks, write callback, dropped while BUSY): bus_write's per-register facts
        self._word_wr = {r.offset: (m[RW], m[W1C], m[WO], self._wr[r.offset], r.name in CONFIG)
                         for r, m in ((r, self._masks[r.offset]) for r in self.REGS)}
        if hasattr(self.device, "listeners"):
            self.device.listeners.append(self._device_changed)

    def attach(self, device) -> None:
        self.device = device
        device.listeners.append(self._device_changed)
        self._update_window()

    def reset(self) -> None:
        super().reset()
        self.fifo = bytearray()
        self.pending = bytearray()
        self.wbuf = bytearray()
        self.wneed = 0
        self.active = False     # exchange with the device in progress
        self._sink_update()     # a reset ends any indirect write
        self.polling = False
        self.mm_busy = False
        self.flags = 0          # TEF/TCF/SMF/TOF bits as in SR
        self.poll_ftf = False
        self._rep = None        # (read key, data, repeats): see _status_wait
        self._mapped_mode = False
        self._mm_reset()
        if getattr(self, "_ev", None):
            self._ev.cancel()
        self._ev = None
        if getattr(self, "ospim", None) is not None:
            self.ospim.repair(self.ospim_index)   # its fault state goes with a reset (RCC OCTOSPInRST)
        if hasattr(self, "window"):
            self._update_window()

    def note(self, msg: str) -> None:
        self.trace.append(f"{self.name}: {msg}")
        del self.trace[:-200]

    # ---- clock ------------------------------------------------------------------------------
    def _clock(self):
        return getattr(self.board, "clock", None)

    def kernel_hz(self) -> int:
        rcc = getattr(self.board, "rcc", None)
        f = getattr(rcc, "kernel_hz", None)
        return (f("octospi") if f else None) or DEFAULT_KERNEL_HZ

    def cycle_ps(self) -> int:
        return int(10**12 * ((self.values[0x00C] & 0xFF) + 1) // self.kernel_hz())   # DCR2.PRESCALER

    # ---- bus overrides: DR has width semantics, config writes while busy are dropped ----------
    def bus_read(self, offset: int, size: int) -> int:
        if offset & ~3 == 0x050 and self.clocked():
            return self._dr_read(size)
        return super().bus_read(offset, size)

    def bus_write(self, offset: int, size: int, value: int) -> None:
        w = offset & ~3
        if w == 0x050:  # hot path: FIFO writes
            if self.clocked():
                self._dr_store(size, value)
                self._sink_update()
            return
        ww = self._word_wr.get(w)
        if ww is None or not self.clocked():
            super().bus_write(offset, size, value)
            return
        rw, w1c, wo, cb, config = ww
        if self.active or self.polling or self.mm_busy or self.fifo or self.pending:   # busy()
            if config:
                self.note(f"write of 0x{value:X} to {self._by_off[w].name} while BUSY=1: ignored (configure "
                          "with BUSY=0)")
                return
            if w == 0x048:
                self.note(f"AR write 0x{value:X} ignored (BUSY=1)")
                return
            if w == 0x000:
                old = self.values[0]
                keep = ~CR_ALWAYS & 0xFFFFFFFF
                if (value ^ old) & keep & 0x30C0FFFC:
                    self.note(f"CR write 0x{value:X} while BUSY=1: only EN/ABORT/interrupt enables taken")
                value = (old & keep) | (value & CR_ALWAYS)
        elif w == 0x048 and self.values[0] >> 28 & 3 == 3:
            self.note(f"AR write 0x{value:X} ignored (memory-mapped mode)")
            return
        if size == 4 and not offset & 3:
            # Peripheral.bus_write for a whole word (regs.py): the same masks, without the lane arithmetic.
            old = self.values[w]
            self.values[w] = ((old & ~rw) | (value & rw)) & ~(value & w1c)
            if cb is not None:
                cb(old, self.values[w] | (value & wo))
        else:
            super().bus_write(offset, size, value)
        if self._sink_armed:
            self._sink_update()

    def _indirect_write(self) -> bool:
        return not self.values[0] & 0x3000_0000

    # ---- status -----------------------------------------------------------------------------
    def busy(self) -> bool:
        return self.active or self.polling or self.mm_busy or bool(self.fifo) or bool(self.pending)

    def stable_peek(self):
        """CR and SR as reads would show them now, without a read's side effects (machine._rc_fill); SR is
        left out while a due timeout would set TOF at the read."""
        if not self.clocked():
            return (0x000, 0), (0x020, 0)
        cr = (0x000, self.values[0] & self._rmask[0])     # (CR has no read callback)
        tof = self._tof_ev
        if tof is not None and tof.when <= getattr(self._clock(), "now", -1):
            return (cr,)
        return cr, (0x020, self.read_SR(0))

    def read_SR(self, _v: int) -> int:
        if self._tof_ev is not None and self._tof_ev.when <= getattr(self._clock(), "now", -1):
            self._tof_ev.cancel()  # due but not yet run by the clock: take it now (lazy timeout)
            self._tof_fire()
        cr = self.values[0]
        fm = (cr >> 28) & 3
        thr = ((cr >> 8) & 0x1F) + 1
        if fm == 0:
            ftf = self.wneed > 0 or not self.active
        elif fm == 1:
            ftf = len(self.fifo) >= thr or (not self.active and bool(self.fifo))
        else:
            ftf = self.poll_ftf
        lvl = len(self.fifo) if fm != 2 else 0
        return self.flags | (4 if ftf else 0) | (0x20 if self.busy() else 0) | (lvl << 8)

    def write_FCR(self, _old: int, new: int) -> None:
        self.flags &= ~(new & 0x1B)

    # ---- CR: enable, abort, mode changes ----------------------------------------------------
    def write_CR(self, old: int, new: int) -> None:
        if new & 2:
            self.set("CR", new & ~2)
            self._abort()
        if (old ^ new) & 0x3000_0001 or new & 2:
            self._update_window()
        if (old ^ new) & 8:  # TCEN
            self._tof_arm()

    def _abort(self) -> None:
        if self._ev:
            self._ev.cancel()
            self._ev = None
        if self.active or self.polling or self.mm_busy or self.fifo or self.pending or self.wbuf:
            self.note("ABORT")
        self.fifo.clear()
        self.pending.clear()
        self.wbuf.clear()
        self.wneed = 0
        self.active = self.polling = self.mm_busy = self.poll_ftf = False
        self._mm_reset()
        self.flags |= 2  # TCF: abort complete
        if self.ospim is not None:
            self.ospim.repair(self.ospim_index)

    _posting_told = None     # what machine.allow_posting was last told (None: nothing yet)

    def _update_window(self) -> None:
        off = self._off_key == self.values[0] & 0x3000_0001 and self.window.kind == "off"
        if not (off and self._busy_ev is None and not (self.mm_busy or self._mapped_mode or self._burst)):
            MappedMode._update_window(self)   # (else it would find nothing to change: out of memory-mapped
            off = self._off_key == self.values[0] & 0x3000_0001 and self.window.kind == "off"   # mode, off)
        # Out of memory-mapped mode with the window off for this CR, the next call changes nothing until CR
        # changes EN or FMODE (a write that comes here): until then a CCR/TCR write only stores its value.
        if off != self._posting_told:
            allow = getattr(self.board, "allow_posting", None)
            if allow is not None:
                allow(self, off)
                self._posting_told = off

    def _mm_read(self, off: int, n: int) -> bytes:
        self._bus_touched()
        return MappedMode._mm_read(self, off, n)

    def _mm_write(self, off: int, data: bytes) -> None:
        self._bus_touched()
        MappedMode._mm_write(self, off, data)

    def _bus_touched(self) -> None:
        """A guest access to the window's slow path: the machine's register fast paths must know."""
        touched = getattr(self.board, "model_accessed", None)
        if touched is not None:
            touched(self)

    def write_DCR1(self, old, new):
        self._update_window()

    write_CCR = write_TCR = write_IR = write_ABR = write_WCCR = write_WTCR = write_WIR = write_DCR1
    write_WABR = write_HLCR = write_DCR2 = write_DCR3 = write_DCR4 = write_DCR1

    # ---- starting transfers (RM0468 start rules) ----------------------------------------------------
    def _trigger(self) -> str:
        v = self.values
        fm = v[0x000] >> 28 & 3
        if v[0x008] >> 24 & 7 in HYPER_MTYPS:                  # DCR1.MTYP
            return "DR" if fm == 0 else "AR"
        ccr = v[0x100]
        if fm == 0 and ccr >> 24 & 7:                     # CCR.DMODE
            return "DR"
        return "AR" if ccr >> 8 & 7 else "IR"             # CCR.ADMODE

    def write_IR(self, old, new):
        self._update_window()
        self._maybe_start("IR")

    def write_AR(self, old, new):
        self._maybe_start("AR")

    def _maybe_start(self, reg: str) -> None:
        cr = self.values[0x000]
        fm = cr >> 28 & 3
        if not cr & 1 or fm == 3 or self.busy():
            return
        if self._trigger() != reg:
            return
        if fm == 2:
            self._start_polling()
        else:
            self._start(read=fm == 1)

    def devsize(self) -> int:
        return 1 << (self.get("DCR1", "DEVSIZE") + 1)

    def _count(self, addr: int) -> int:
        dl = self.values[0x040]
        if dl == 0xFFFFFFFF:
            return max(0, self.devsize() - addr)
        return dl + 1

    def _framing(self, prefix: str = "") -> Framing:
        """The command framing the phase registers (prefix: "", "WP" or "W") describe now, decoded once per
        distinct set of values (a driver sends the same few framings again and again)."""
        v = self.values
        o_ccr, o_tcr, o_ir, o_abr = _PHASE_REGS[prefix]
        key = (prefix, v[o_ccr], v[o_tcr], v[o_ir], v[o_abr], v[0x008], v[0x010], v[0x200])
        f = self._frames.get(key)
        if f is None:
            if len(self._frames) >= 64:
                self._frames.clear()
            f = self._frames[key] = Framing(prefix, *key[1:])
        return f

    def _build(self, prefix: str = "", addr: int | None = None, write=False, data=b"", count=0) -> Transfer:
        return self._framing(prefix).transfer(self.values[0x048] if addr is None else addr, write, data, count)

    def _dhqc_blocks(self, prefix: str = "", f: Framing | None = None) -> bool:
        """docs/hardware-notes.md: with TCR.DHQC=1 a DTR command without CCR.DDTR=1 is silently not executed."""
        if f is not None and not f.dhqc_blocks:
            return False
        ccr = self.get(prefix + "CCR")
        if prefix != "W" and self.get(prefix + "TCR", "DHQC") and ccr & (1 << 3 | 1 << 11) and not ccr & (1 << 27):
            self.note(f"DTR command 0x{self.get(prefix + 'IR'):X} with TCR.DHQC=1 but CCR.DDTR=0: "
                      "silently not executed (docs/hardware-notes.md)")
            return True
        return False

    def _wire_to_sw(self, t: Transfer, data: bytes) -> bytes:
        if t.data_dtr and t.data_lines == 8 and t.mtyp == MTYP_MACRONIX:
            return swap16(data)
        return data

    # ---- pins: the board's GPIO alternate-function routing (as the USART model checks) ----------
    def pins_missing(self, lines: int = 8, dqs: bool = True) -> list[str]:
        """The wired pins this access needs that are not in their alternate function: CLK, NCS, the IO
        lines in use (two at least: SPI reads on IO1) and DQS when sampled. [] without GPIO models."""
        if self._pin_ports is None:
            from .gpio import PinRouting
            self._pin_ports = PinRouting(self.board, self.pins)
        return self._pin_ports.missing(max(lines, 2), dqs)

    def _pins_ok(self, lines: int = 8, dqs: bool = True) -> tuple[bool, str]:
        missing = self.pins_missing(lines, dqs)
        if not missing:
            return True, ""
        return False, f"{self.name} pins not routed to it ({'; '.join(missing)})"

    def _exchange(self, t: Transfer, f: Framing | None = None) -> bytes:
        """What the device drives for `t` (of framing `f`, when known)."""
        ok, why = self.port_ok()
        if ok:
            if f is not None:
                lines = f.lines
            else:
                lines = max([p.lines for p in (t.instruction, t.address, t.alternate) if p] + [t.data_lines])
            ok, why = self._pins_ok(lines, t.dqs)
        if not ok:
            self.note(f"{why}: transfer ({t.describe()}) reaches no device")
            return b"" if t.write else b"\xff" * t.count
        if t.write and t.data_dtr and t.data_lines == 8:
            if len(t.data) & 1:
                # Octal DTR moves 2 bytes per clock; RM0468 asks for an even count and does not say what
                # fills the last clock's second byte. Modelled as 0xFF (programs nothing) after the last
                # byte in memory order; on silicon the NOR may program something else there.
                self.note(f"odd byte count {len(t.data)} written in octal DTR: the controller clocks one "
                          f"more byte (value not specified by RM0468, 0xFF here); write an even count")
                t.data = bytes(t.data) + b"\xff"
            if t.mtyp == MTYP_MACRONIX:
                t.data = swap16(t.data)
        self._check_long(t)
        pieces = self._pieces(t)
        if len(pieces) == 1:
            wire = self.device.transfer(pieces[0])
        else:
            wire = b"".join(self.device.transfer(p) for p in pieces)
        return b"" if t.write else self._wire_to_sw(t, wire)

    def _start(self, read: bool) -> None:
        v = self.values
        addr, ccr = v[0x048], v[0x100]
        if ccr >> 8 & 7 and addr >= self.devsize():      # CCR.ADMODE: an address phase
            self.flags |= 1  # TEF
            self.note(f"indirect access at 0x{addr:X} beyond DEVSIZE ({self.devsize():#x} bytes): TEF")
            return
        dmode = ccr >> 24 & 7
        if not read and dmode:
            self.wneed = self._count(addr)
            self.wbuf.clear()
            self.active = True
            return
        count = self._count(addr) if dmode else 0
        f = self._framing()
        t = f.transfer(addr, False, b"", count)
        if t.data_dtr and t.data_lines == 8 and count & 1:
            self.note(f"odd byte count {count} in octal DTR: one extra byte clocked, stays in the FIFO")
            t.count = count = count + 1
        self.active = True
        key = (v[0x110], addr, ccr, v[0x108], count) if read else None     # IR, AR, CCR, TCR, count
        self._status_wait(key)
        data = b"" if self._dhqc_blocks("", f) else self._exchange(t, f)
        self._status_seen(key, data)
        if read and dmode:
            self.pending[:] = data
            self._refill()
        self._finish_after(t, f)

    def _finish_after(self, t: Transfer, f: Framing | None = None) -> None:
        cyc = f.cycles(t) if f is not None else t.cycles()
        ps = (cyc + (self.values[0x008] >> 8 & 7) + 1) * self.cycle_ps()    # + DCR1.CSHT + 1
        clk = self._clock()
        if clk is None or ps == 0:
            self._done()
        else:
            self._ev = clk.after(ps, self._done, f"{self.name} transfer", lazy=True)   # registers only

    def _done(self) -> None:
        self._ev = None
        self.active = False
        self.flags |= 2  # TCF

    # ---- DR (indirect_data.py: the FIFO and the write data) -------------------------------------
    def _dr_read(self, size: int) -> int:
        if (self.values[0] >> 28) & 3 == 2:
            self.poll_ftf = False
            return self.values[0x050] & ((1 << 8 * size) - 1)
        return self._fifo_read(size)

    def _enabled(self) -> bool:
        return bool(self.values[0] & 1)

    def _write_complete(self) -> None:
        f = self._framing()
        t = f.transfer(self.values[0x048], True, bytes(self.wbuf), 0)
        self.wbuf.clear()
        self._rep = None
        if not self._dhqc_blocks("", f):
            self._exchange(t, f)
        self._finish_after(t, f)
