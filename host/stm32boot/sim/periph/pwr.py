"""PWR model (RM0468, PWR chapter): the supply configuration is write-once after power-on (kept across
system resets) and raises CSR1.ACTVOSRDY after a short delay; a VOS change in D3CR drops VOSRDY and raises
it again after a delay, never while the supply is unconfigured. VOS encoding is inverted on H73x
(00 = Scale 0). CSR1.ACTVOS follows D3CR.VOS once ready.
"""
from __future__ import annotations

from ..clock import us
from ..regs import RO, Field, Peripheral, Reg

SUPPLY_MASK = 0x3F          # BYPASS, LDOEN, SMPSEN, SMPSEXTHP, SMPSLEVEL
SUPPLY_DELAY_PS = us(50)    # model estimates
VOS_DELAY_PS = us(50)
VOS_NAMES = {0: "Scale 0", 3: "Scale 1", 2: "Scale 2", 1: "Scale 3"}


class Pwr(Peripheral):
    C_PREFIX = "PWR"
    POLL_REGS = frozenset({"CSR1", "D3CR"})
    REGS = (
        Reg("CR1", 0x00, reset=0xF000C000),
        Reg("CSR1", 0x04, reset=0x00004000, access=RO, fields=(
            Field("PVDO", 4), Field("ACTVOSRDY", 13), Field("ACTVOS", 14, 2), Field("AVDO", 16))),
        Reg("CR2", 0x08),
        Reg("CR3", 0x0C, reset=0x00000006, fields=(
            Field("BYPASS", 0), Field("LDOEN", 1), Field("SMPSEN", 2), Field("SMPSEXTHP", 3),
            Field("SMPSLEVEL", 4, 2), Field("VBE", 8), Field("VBRS", 9), Field("SMPSEXTRDY", 16, access=RO),
            Field("USB33DEN", 24), Field("USBREGEN", 25), Field("USB33RDY", 26, access=RO))),
        Reg("CPUCR", 0x10),
        Reg("D3CR", 0x18, reset=0x00004000, fields=(Field("VOSRDY", 13, access=RO), Field("VOS", 14, 2))),
        Reg("WKUPCR", 0x20), Reg("WKUPFR", 0x24), Reg("WKUPEPR", 0x28),
    )

    def __init__(self, name="PWR", base=0x5802_4800, board=None):
        self.notes: list[str] = []
        super().__init__(name, base, board)

    def reset(self):
        """System reset. The supply configuration (CR3 BYPASS/LDOEN/SMPSEN/SMPSEXTHP/SMPSLEVEL) and its
        write-once lock are reset by power-on reset only (RM0468, PWR_CR3 register): a software reset, or a
        loader started after an application, finds the supply as the application left it."""
        locked = getattr(self, "supply_locked", False)
        supply = self.values.get(0x0C, 0) & SUPPLY_MASK
        ev = getattr(self, "_vos_event", None)
        if ev is not None:
            ev.cancel()
        super().reset()
        self._vos_event = None
        self.supply_locked = locked
        if locked:
            self.set("CR3", (self.get("CR3") & ~SUPPLY_MASK) | supply)
            self.set("CSR1", ACTVOSRDY=1)

    def power_on_reset(self):
        """Power cycle: the supply configuration may be written again."""
        self.supply_locked = False
        self.reset()

    def _after(self, delay, fn, name):
        clk = getattr(self.board, "clock", None)
        if clk is None:
            fn()
            return None
        return clk.after(delay, fn, name)

    def _note(self, msg):
        self.notes.append(msg)
        warn = getattr(self.board, "warn", None)
        if warn is not None:
            warn(f"sim: PWR: {msg}")

    def write_CR3(self, old, new):
        if self.supply_locked and (old ^ new) & SUPPLY_MASK:
            self.set("CR3", (new & ~SUPPLY_MASK) | (old & SUPPLY_MASK))
            self._note("CR3 supply configuration is write-once after power-on: change ignored")
            return
        if not self.supply_locked:
            self.supply_locked = True
            self._after(SUPPLY_DELAY_PS, self._supply_ready, "PWR ACTVOSRDY")

    def _supply_ready(self):
        self.set("CSR1", ACTVOSRDY=1)
        if self.get("D3CR", "VOSRDY") == 0 and self._vos_event is None:
            self._start_vos()

    def write_D3CR(self, old, new):
        if (old ^ new) & (3 << 14):
            if not self.get("CSR1", "ACTVOSRDY"):
                self._note("D3CR.VOS changed while the supply is not configured (CR3 not written since power-on, "
                           "CSR1.ACTVOSRDY=0): on silicon VOSRDY does not rise, so a wait for it hangs; write "
                           "the board's supply configuration to PWR CR3 first (RM0468, PWR_CR3)")
            self.set("D3CR", VOSRDY=0)
            self._start_vos()

    def _start_vos(self):
        if self._vos_event is not None:
            self._vos_event.cancel()
        self._vos_event = self._after(VOS_DELAY_PS, self._vos_ready, "PWR VOSRDY")

    def _vos_ready(self):
        self._vos_event = None
        if not self.get("CSR1", "ACTVOSRDY"):
            return   # the regulator is not configured: VOS cannot settle yet (retried when it is)
        self.set("D3CR", VOSRDY=1)
        self.set("CSR1", ACTVOS=self.get("D3CR", "VOS"))

    def vos_scale(self) -> str:
        return VOS_NAMES[self.get("CSR1", "ACTVOS")]
