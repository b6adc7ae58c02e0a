"""QUADSPI controller (RM0385 §13): registers at 0xA000_1000, memory window at 0x9000_0000.

Functional modes by CCR.FMODE (§13.3.4-13.3.6): indirect write (00), indirect read (01), automatic status
polling (10), memory-mapped (11). A command starts (§13.3.5, "triggering the start of a command") on
    the CCR write   when no address is needed and no data must come from software
    the AR write    when an address is needed and no data must come from software
    the first DR write in indirect write mode with a data phase.
Writes while BUSY=1 (§13.5): CCR, DCR, DLR, ABR, PSMKR, PSMAR, PIR, LPTR are ignored; AR is ignored while
BUSY=1 or in memory-mapped mode; of CR only EN, ABORT, DMAEN, FTHRES and the interrupt enables are taken.
Each ignored write is noted in `trace`. FIFO: 32 bytes, FTF at the threshold (CR.FTHRES+1; its bit 4 cannot
be set on F7 silicon, ST community report), FLEVEL; BUSY clears when the exchange is over AND the FIFO is
empty. TEF: an indirect or polling access beyond the flash size (2^(FSIZE+1) bytes). ABORT flushes the FIFO,
ends any mode, sets TCF and self-clears. DDRM puts address, alternate bytes and data on both edges (the
instruction stays SDR). CCR.SIOO sends the instruction only on the first command after a CCR write.
Memory-mapped mode: the window reads the device with CCR's frame at the bus address; the FIFO prefetch keeps
NCS low (BUSY=1) until ABORT, EN=0 or, with CR.TCEN=1, LPTR clock cycles after the last access the model
sees, when TOF sets and BUSY drops. With a correct configuration the window maps the device's array at
memory speed (no accesses seen: the timeout then counts from entering the mode). Outside memory-mapped mode
(or with EN=0) any access to the window is a bus error, as on silicon; writes to the window always fault.
Transfer time is counted on the virtual clock at HCLK/(PRESCALER+1).
"""
from __future__ import annotations

from ..devices.xfer import NoDevice, Phase, Transfer
from ..periph.indirect_data import IndirectData
from ..periph.ospi_polling import poll_delay
from ..periph.ospi_window import MemWindow
from ..regs import RO, WO, Field, Peripheral, Reg
from .reset_line import HeldInReset

LINES = (0, 1, 2, 4)
DEFAULT_KERNEL_HZ = 16_000_000
CONFIG = {"DCR", "DLR", "CCR", "ABR", "PSMKR", "PSMAR", "PIR", "LPTR"}
CR_ALWAYS = 0x1 | 0x2 | 0x4 | 0x1F00 | 0x1F0000    # EN, ABORT, DMAEN, FTHRES, interrupt enables
WINDOW_MAX = 0x1000_0000


class Quadspi(HeldInReset, IndirectData, Peripheral):
    DR_OFFSET, SR_OFFSET = 0x20, 0x08
    C_PREFIX = "QUADSPI"
    SIZE = 0x400
    POLL_REGS = frozenset({"SR"})
    # What SR, CR and CCR show changes only in this model's Python code (accesses, its clock events) or
    # through an RCC write (clock gate, reset line); with the write sink armed SR reads are answered by the
    # sink instead (machine.sink_arm).
    STABLE_REGS = frozenset({"SR", "CR", "CCR"})
    # Writes whose whole effect is on this model's registers, whenever they land between two events (no
    # clock use, no events, no memory window): none changes SR, CR or CCR, except FCR, which clears the
    # SR flags TEF/TCF/SMF/TOF it has set (write_FCR, read_SR).
    POSTED_REGS = {"DLR": (), "PSMKR": (), "PSMAR": (), "PIR": (), "LPTR": (), "FCR": ()}
    POSTED_CLEARS = {"FCR": ("SR", 0x1B)}
    # Writes after which the guest reads SR next (a command started, the write data completed).
    PEEK_AFTER_WRITES = frozenset({"CCR", "AR", "DR"})
    REGS = (
        Reg("CR", 0x00, fields=(Field("EN", 0), Field("ABORT", 1), Field("DMAEN", 2), Field("TCEN", 3),
                                Field("SSHIFT", 4), Field("DFM", 6), Field("FSEL", 7), Field("FTHRES", 8, 5),
                                Field("TEIE", 16), Field("TCIE", 17), Field("FTIE", 18), Field("SMIE", 19),
                                Field("TOIE", 20), Field("APMS", 22), Field("PMM", 23), Field("PRESCALER", 24, 8))),
        Reg("DCR", 0x04, fields=(Field("CKMODE", 0), Field("CSHT", 8, 3), Field("FSIZE", 16, 5))),
        Reg("SR", 0x08, access=RO, fields=(Field("TEF", 0), Field("TCF", 1), Field("FTF", 2), Field("SMF", 3),
                                           Field("TOF", 4), Field("BUSY", 5), Field("FLEVEL", 8, 6))),
        Reg("FCR", 0x0C, access=WO, fields=(Field("CTEF", 0), Field("CTCF", 1), Field("CSMF", 3), Field("CTOF", 4))),
        Reg("DLR", 0x10),
        Reg("CCR", 0x14, fields=(Field("INSTRUCTION", 0, 8), Field("IMODE", 8, 2), Field("ADMODE", 10, 2),
                                 Field("ADSIZE", 12, 2), Field("ABMODE", 14, 2), Field("ABSIZE", 16, 2),
                                 Field("DCYC", 18, 5), Field("DMODE", 24, 2), Field("FMODE", 26, 2),
                                 Field("SIOO", 28), Field("DHHC", 30), Field("DDRM", 31))),
        Reg("AR", 0x18), Reg("ABR", 0x1C), Reg("DR", 0x20),
        Reg("PSMKR", 0x24), Reg("PSMAR", 0x28),
        Reg("PIR", 0x2C, fields=(Field("INTERVAL", 0, 16),)),
        Reg("LPTR", 0x30, fields=(Field("TIMEOUT", 0, 16),)),
    )

    def __init__(self, name="QUADSPI", base=0xA000_1000, window_base=0x9000_0000, board=None,
                 clock_gate=("AHB3ENR", 1), device=None, machine=None):
        self.device = device or NoDevice()
        self.pins = ()                   # (signal, pin, AF) the board wires to this controller
        self._routing = None
        self.window = MemWindow(name, window_base, machine)
        self.trace: list[str] = []
        self._ev = self._tof_ev = None
        super().__init__(name, base, board, clock_gate)
        if hasattr(self.device, "listeners"):
            self.device.listeners.append(self._device_changed)

    def reset(self) -> None:
        for ev in (getattr(self, "_ev", None), getattr(self, "_tof_ev", None)):
            if ev is not None:
                ev.cancel()
        super().reset()
        self.fifo = bytearray()
        self.pending = bytearray()
        self.wbuf = bytearray()
        self.wneed = 0
        self.active = self.polling = self.mm_busy = self.poll_ftf = False
        self._sink_update()              # a reset ends any indirect write
        self.flags = 0
        self.sent_instruction = False    # SIOO: an instruction went out since the last CCR write
        self._in_mm = False
        self._ev = self._tof_ev = None
        if hasattr(self, "window"):
            self._update_window()

    def note(self, msg: str) -> None:
        self.trace.append(f"{self.name}: {msg}")
        del self.trace[:-200]

    # ---- clock ----------------------------------------------------------------------------------
    def _clock(self):
        return getattr(self.board, "clock", None)

    def kernel_hz(self) -> float:
        rcc = getattr(self.board, "rcc", None)
        f = getattr(rcc, "kernel_hz", None)
        return (f("quadspi") if f else None) or DEFAULT_KERNEL_HZ

    def cycle_ps(self) -> int:
        return int(10**12 * (self.get("CR", "PRESCALER") + 1) // self.kernel_hz())

    # ---- bus --------------------------------------------------------------------------------------
    def bus_read(self, offset, size):
        if offset & ~3 == 0x20 and self.clocked():
            return self._dr_read(size)
        return super().bus_read(offset, size)

    def bus_write(self, offset, size, value):
        w = offset & ~3
        if not self.clocked():
            return
        if w == 0x20:
            self._dr_store(size, value)
            self._sink_update()
            return
        r = self._by_off.get(w)
        if r is not None:
            if r.name in CONFIG and self.busy():
                self.note(f"write of 0x{value:X} to {r.name} while BUSY=1: ignored (RM0385 §13.5)")
                return
            if r.name == "AR" and (self.busy() or self._fmode() == 3):
                self.note(f"AR write 0x{value:X} ignored ({'BUSY=1' if self.busy() else 'memory-mapped mode'})")
                return
            if r.name == "CR":
                if self.busy():
                    old = self.values[0]
                    if (value ^ old) & ~CR_ALWAYS & 0xFFFF_FFFF & ~0x2:
                        self.note(f"CR write 0x{value:X} while BUSY=1: only EN/ABORT/DMAEN/FTHRES/interrupt "
                                  f"enables taken")
                    value = (old & ~CR_ALWAYS) | (value & CR_ALWAYS)
                if value & (0x10 << 8):
                    self.note("CR.FTHRES bit 4 cannot be set on F7 silicon: the threshold is FTHRES-16")
                    value &= ~(0x10 << 8)
        super().bus_write(offset, size, value)
        if self._sink_armed:
            self._sink_update()

    def _fmode(self) -> int:
        return self.values[0x14] >> 26 & 3

    def _indirect_write(self) -> bool:
        return self._fmode() == 0

    def busy(self) -> bool:
        return self.active or self.polling or self.mm_busy or bool(self.fifo) or bool(self.pending)

    def flash_size(self) -> int:
        return 1 << (self.get("DCR", "FSIZE") + 1)

    # ---- status -----------------------------------------------------------------------------------
    def stable_peek(self):
        """SR, CR and CCR as reads would show them now (machine._rc_fill): reading them has no side effect."""
        if not self.clocked():
            return (0x00, 0), (0x08, 0), (0x14, 0)
        rm = self._rmask
        return (0x00, self.values[0x00] & rm[0x00]), (0x08, self.read_SR(0)), (0x14, self.values[0x14] & rm[0x14])

    def read_SR(self, _v):
        fm = self._fmode()
        thr = self.get("CR", "FTHRES") + 1
        if fm == 0:      # the device takes written bytes as they come: the FIFO always has room
            ftf = not self.active or self.wneed > 0
        elif fm == 1:
            ftf = len(self.fifo) >= thr or (not self.active and bool(self.fifo))
        elif fm == 2:
            ftf = self.poll_ftf
        else:
            ftf = False
        lvl = len(self.fifo) if fm == 1 else 0
        return self.flags | (4 if ftf else 0) | (0x20 if self.busy() else 0) | (lvl << 8)

    def write_FCR(self, _old, new):
        self.flags &= ~(new & 0x1B)

    # ---- CR / CCR -----------------------------------------------------------------------------------
    def write_CR(self, old, new):
        if new & 2:
            self.set("CR", new & ~2)
            self._abort()
        if (old ^ new) & 1 or new & 2:
            if not new & 1:
                self._stop_mapped()
            self._update_window()
        if (old ^ new) & 8:
            self._tof_arm()

    def _abort(self):
        if self._ev is not None:
            self._ev.cancel()
            self._ev = None
        self.fifo.clear()
        self.pending.clear()
        self.wbuf.clear()
        self.wneed = 0
        self.active = self.polling = self.poll_ftf = False
        self._stop_mapped()
        self.flags |= 2     # TCF: abort complete

    def write_CCR(self, old, new):
        self.sent_instruction = False
        self._update_window()
        self._maybe_start("CCR")

    def write_DCR(self, old, new):
        self._update_window()

    write_ABR = write_DCR

    def write_AR(self, old, new):
        self._maybe_start("AR")

    def _trigger(self) -> str:
        fm, ccr = self._fmode(), self.values[0x14]
        if fm == 0 and ccr >> 24 & 3:
            return "DR"
        return "AR" if ccr >> 10 & 3 else "CCR"

    def _maybe_start(self, reg):
        if not self.get("CR", "EN") or self._fmode() == 3 or self.busy() or self._trigger() != reg:
            return
        if self._fmode() == 2:
            self.polling = True
            self._poll()
        else:
            self._start(read=self._fmode() == 1)

    # ---- building the wire transfer -----------------------------------------------------------
    def _build(self, addr=None, write=False, data=b"", count=0) -> Transfer:
        ccr = self.values[0x14]
        ddr = bool(ccr >> 31 & 1)

        def phase(mode_pos, size_pos, value, dtr):
            lines = LINES[ccr >> mode_pos & 3]
            if not lines:
                return None
            size = (ccr >> size_pos & 3) + 1 if size_pos is not None else 1
            return Phase(value & ((1 << 8 * size) - 1), size, lines, dtr)

        instr = phase(8, None, ccr & 0xFF, False)
        if instr is not None and ccr >> 28 & 1 and self.sent_instruction:
            instr = None             # SIOO: instruction only on the first command after the CCR write
        return Transfer(
            instruction=instr,
            address=phase(10, 12, self.get("AR") if addr is None else addr, ddr),
            alternate=phase(14, 16, self.get("ABR"), ddr),
            dummy=ccr >> 18 & 0x1F, data_lines=LINES[ccr >> 24 & 3], data_dtr=ddr,
            write=write, data=data, count=count)

    def pins_missing(self, t: Transfer) -> list[str]:
        """Wired pins the transfer needs (CLK, NCS, the IO lines in use) not in their alternate function."""
        if self._routing is None:
            from ..periph.gpio import PinRouting
            self._routing = PinRouting(self.board, self.pins)
        lines = max([p.lines for p in (t.instruction, t.address, t.alternate) if p] + [t.data_lines])
        return self._routing.missing(max(lines, 2))   # single-SPI reads come back on IO1

    def _exchange(self, t: Transfer) -> bytes:
        missing = self.pins_missing(t)
        if missing:
            # The controller clocks the frame, but on pins not routed to it: the NOR never sees it and the
            # data lines read as floating (0xFF here) (RM0385 §6.3.2: a pin serves a peripheral only in the
            # alternate function selected for it).
            self.note(f"pins not routed to {self.name} ({'; '.join(missing)}): transfer reaches no device")
            return b"" if t.write else b"\xff" * t.count
        if t.instruction is not None:
            self.sent_instruction = True
        if t.data_dtr and self.get("CR", "PRESCALER") == 0:
            self.note("DDR mode with PRESCALER=0: not allowed (RM0385 §13.3.3); data undefined")
        return self.device.transfer(t)

    def _count(self, addr) -> int:
        dl = self.get("DLR")
        if dl == 0xFFFF_FFFF:
            return max(0, self.flash_size() - addr)
        return dl + 1

    def _start(self, read):
        addr = self.get("AR")
        has_addr = bool(self.get("CCR", "ADMODE"))
        dmode = self.get("CCR", "DMODE")
        count = self._count(addr) if dmode else 0
        if has_addr and (addr >= self.flash_size() or (dmode and addr + count > self.flash_size())):
            self.flags |= 1      # TEF, set as soon as the command is triggered
            self.note(f"indirect access at 0x{addr:X}+{count} beyond FSIZE ({self.flash_size():#x} bytes): TEF")
            return
        if not read and dmode:
            self.wneed = count
            self.wbuf.clear()
            self.active = True
            return
        t = self._build(count=count)
        self.active = True
        if t.instruction is None and t.address is None and t.alternate is None and not t.data_lines:
            self._finish_after(t)       # nothing to clock out (e.g. CCR cleared after ABORT): no frame
            return
        data = self._exchange(t)
        if read and dmode:
            self.pending[:] = data
            self._refill()
        self._finish_after(t)

    def _finish_after(self, t):
        ps = (t.cycles() + self.get("DCR", "CSHT") + 1) * self.cycle_ps()
        clk = self._clock()
        if clk is None or ps == 0:
            self._done()
        else:
            self._ev = clk.after(ps, self._done, f"{self.name} transfer")

    def _done(self):
        self._ev = None
        self.active = False
        self.flags |= 2      # TCF

    # ---- DR -------------------------------------------------------------------------------------
    def _dr_read(self, size):
        fm = self._fmode()
        if fm == 2:
            self.poll_ftf = False
            return self.values[0x20] & ((1 << 8 * size) - 1)
        if fm == 3:
            return 0
        return self._fifo_read(size)

    def _enabled(self) -> bool:
        return bool(self.values[0] & 1)

    def _write_complete(self):
        if not self.wbuf:
            return
        t = self._build(write=True, data=bytes(self.wbuf))
        self.wbuf.clear()
        self._exchange(t)
        self._finish_after(t)

    # ---- automatic polling (§13.3.6) --------------------------------------------------------------
    def _poll(self):
        self._ev = None
        if not self.polling:
            return
        n = min(self.get("DLR"), 3) + 1
        t = self._build(count=n)
        data = self._exchange(t)
        status = int.from_bytes(data[:n], "little")
        self.values[0x20] = status
        self.poll_ftf = True
        mask, match = self.get("PSMKR"), self.get("PSMAR")
        if self.get("CR", "PMM"):
            hit = bool(~(status ^ match) & mask)
        else:
            hit = (status & mask) == (match & mask)
        if hit:
            self.flags |= 8      # SMF
            if self.get("CR", "APMS"):
                self.polling = False
                return
        clk = self._clock()
        if clk is None:
            return
        step = (t.cycles() + max(self.get("PIR", "INTERVAL"), 1)) * self.cycle_ps()
        delay = poll_delay(step, clk.now, self.device.next_change(), hit)
        self._ev = clk.after(delay, self._poll, f"{self.name} status poll")

    # ---- memory-mapped mode ---------------------------------------------------------------------
    def _mapped(self) -> bool:
        return bool(self.values[0] & 1) and self._fmode() == 3

    def _stop_mapped(self):
        self.mm_busy = False
        if self._tof_ev is not None:
            self._tof_ev.cancel()
            self._tof_ev = None

    def _update_window(self):
        if not self._mapped():
            self._in_mm = False
            self.mm_busy = False
            why = ("QUADSPI is disabled (CR.EN=0)" if not self.values[0] & 1 else
                   "QUADSPI is not in memory-mapped mode (CCR.FMODE != 11)")
            self.window.set_off(f"{why}: an access to the 0x{self.window.base:08X} window is a bus error "
                                f"(RM0385 §13.3.7)")
            return
        size = min(self.flash_size(), WINDOW_MAX)
        if not self._in_mm:          # entering the mode: the first read and its prefetch hold NCS low
            self._in_mm = True
            self.mm_busy = True
            self._tof_arm()
        template = self._build(addr=0, count=0)
        view = None if self.pins_missing(template) else self.device.mapped_view(template, None)
        if view is not None and not self.get("CCR", "SIOO"):
            buf, _writable = view
            self.window.set_direct(buf, min(size, len(buf)), False)
        else:
            self.window.set_slow(size, self._mm_read)

    def _device_changed(self, lo, hi):
        if self._mapped():
            self._update_window()
            self.window.invalidate(lo, hi)

    def _mm_read(self, off, n):
        touched = getattr(self.board, "model_accessed", None)
        if touched is not None:   # a guest access not through the register dispatch (machine fast paths)
            touched(self)
        self.mm_busy = True
        self._tof_arm()
        t = self._build(addr=off, count=n)
        return self._exchange(t)[:n].ljust(n, b"\xff")

    def _tof_arm(self):
        if self._tof_ev is not None:
            self._tof_ev.cancel()
            self._tof_ev = None
        clk = self._clock()
        if not (self._mapped() and self.mm_busy and self.get("CR", "TCEN")) or clk is None:
            return
        self._tof_ev = clk.after(max(self.get("LPTR", "TIMEOUT"), 1) * self.cycle_ps(), self._tof_fire,
                                 f"{self.name} timeout counter")

    def _tof_fire(self):
        self._tof_ev = None
        self.mm_busy = False     # NCS released: the prefetch stops, BUSY drops
        self.flags |= 0x10       # TOF

    def fault_hint(self, addr):
        w = self.window
        if w.kind != "off" and w.base <= addr < w.base + WINDOW_MAX:
            if addr - w.base >= w.size:
                return (f"0x{addr:08X} is beyond the flash size set by QUADSPI DCR.FSIZE "
                        f"({self.flash_size():#x} bytes; the device has {len(getattr(self.device, 'mem', b'')):#x})")
            return "the QUADSPI window is read-only: memory-mapped writes are a bus error"
        return w.hint(addr)
