"""RCC model (RM0468, RCC chapter): oscillator and PLL ready flags after a short virtual delay, the SYSCLK
switch, clock gating of every other model, and the frequencies the firmware programmed.

API: sysclk_hz() (the CPU clock: sys_ck / D1CPRE, equal to SYSCLK with D1CPRE=/1), hclk_hz(), pclk_hz(n)
for APB1..4, kernel_hz("usart3" | "usart1" | "octospi" | "per"), pll_hz(n, "p"|"q"|"r").
As on silicon: a PLL's configuration written while the PLL is on is ignored; SYSCLK does not switch to a
source that is not ready (CFGR.SWS keeps the old source; the switch happens when it becomes ready); the
oscillator or PLL feeding SYSCLK cannot be turned off.
"""
from __future__ import annotations

from ..clock import us
from ..regs import RO, Field, Reg
from .rcc_osc import RccOscillators

HSI_HZ = 64_000_000
CSI_HZ = 4_000_000
HSI48_HZ = 48_000_000
LSE_HZ = 32_768

# Start-up / lock delays: model estimates in the datasheet's order of magnitude (not verified per part).
DELAYS_PS = {"HSI": us(4), "CSI": us(4), "HSI48": us(4), "HSE": us(500), "PLL1": us(100), "PLL2": us(100),
             "PLL3": us(100)}
# CR: (ON bit, RDY bit) per source
SOURCES = {"HSI": (0, 2), "CSI": (7, 8), "HSI48": (12, 13), "HSE": (16, 17),
           "PLL1": (24, 25), "PLL2": (26, 27), "PLL3": (28, 29)}
SW_SOURCES = ("HSI", "CSI", "HSE", "PLL1")
PLL_SRC = ("HSI", "CSI", "HSE", None)


def _pll_divr():
    return (Field("DIVN", 0, 9), Field("DIVP", 9, 7), Field("DIVQ", 16, 7), Field("DIVR", 24, 7))


def _plain(*names_offs):
    return tuple(Reg(n, o) for n, o in names_offs)


# Peripheral reset registers and the clock-enable register whose bit layout they share (RM0468 RCC xxxRSTR).
RSTR_REGS = {"AHB3RSTR": "AHB3ENR", "AHB1RSTR": "AHB1ENR", "AHB2RSTR": "AHB2ENR", "AHB4RSTR": "AHB4ENR",
             "APB3RSTR": "APB3ENR", "APB1LRSTR": "APB1LENR", "APB1HRSTR": "APB1HENR", "APB2RSTR": "APB2ENR",
             "APB4RSTR": "APB4ENR"}


class Rcc(RccOscillators):
    C_PREFIX = "RCC"
    SOURCES, DELAYS_PS, SW_SOURCES, SW_MASK, PLLS = SOURCES, DELAYS_PS, SW_SOURCES, 7, ("PLL1", "PLL2", "PLL3")
    # Per-PLL registers share one field layout in rcc_regs.h (RCC_PLLDIVR_*, RCC_PLLFRACR_*).
    C_FIELD_ALIASES = {"PLL1DIVR": "PLLDIVR", "PLL2DIVR": "PLLDIVR", "PLL3DIVR": "PLLDIVR",
                       "PLL1FRACR": "PLLFRACR", "PLL2FRACR": "PLLFRACR", "PLL3FRACR": "PLLFRACR"}
    POLL_REGS = frozenset({"CR", "CFGR"})
    REGS = (
        Reg("CR", 0x00, reset=0x0000C025, fields=(
            Field("HSION", 0), Field("HSIKERON", 1), Field("HSIRDY", 2, access=RO), Field("HSIDIV", 3, 2),
            Field("HSIDIVF", 5, access=RO), Field("CSION", 7), Field("CSIRDY", 8, access=RO), Field("CSIKERON", 9),
            Field("HSI48ON", 12), Field("HSI48RDY", 13, access=RO), Field("D1CKRDY", 14, access=RO),
            Field("D2CKRDY", 15, access=RO), Field("HSEON", 16), Field("HSERDY", 17, access=RO),
            Field("HSEBYP", 18), Field("CSSHSEON", 19), Field("PLL1ON", 24), Field("PLL1RDY", 25, access=RO),
            Field("PLL2ON", 26), Field("PLL2RDY", 27, access=RO), Field("PLL3ON", 28),
            Field("PLL3RDY", 29, access=RO))),
        Reg("HSICFGR", 0x04, reset=0x40000000), Reg("CRRCR", 0x08, access=RO), Reg("CSICFGR", 0x0C, reset=0x20000000),
        Reg("CFGR", 0x10, fields=(
            Field("SW", 0, 3), Field("SWS", 3, 3, access=RO), Field("STOPWUCK", 6), Field("STOPKERWUCK", 7),
            Field("RTCPRE", 8, 6), Field("TIMPRE", 15), Field("MCO1PRE", 18, 4), Field("MCO1SEL", 22, 3),
            Field("MCO2PRE", 25, 4), Field("MCO2SEL", 29, 3))),
        Reg("D1CFGR", 0x18, fields=(Field("HPRE", 0, 4), Field("D1PPRE", 4, 3), Field("D1CPRE", 8, 4))),
        Reg("D2CFGR", 0x1C, fields=(Field("D2PPRE1", 4, 3), Field("D2PPRE2", 8, 3))),
        Reg("D3CFGR", 0x20, fields=(Field("D3PPRE", 4, 3),)),
        Reg("PLLCKSELR", 0x28, reset=0x02020200, fields=(
            Field("PLLSRC", 0, 2), Field("DIVM1", 4, 6), Field("DIVM2", 12, 6), Field("DIVM3", 20, 6))),
        Reg("PLLCFGR", 0x2C, reset=0x01FF0000, fields=(
            Field("PLL1FRACEN", 0), Field("PLL1VCOSEL", 1), Field("PLL1RGE", 2, 2),
            Field("PLL2FRACEN", 4), Field("PLL2VCOSEL", 5), Field("PLL2RGE", 6, 2),
            Field("PLL3FRACEN", 8), Field("PLL3VCOSEL", 9), Field("PLL3RGE", 10, 2),
            Field("DIVP1EN", 16), Field("DIVQ1EN", 17), Field("DIVR1EN", 18), Field("DIVP2EN", 19),
            Field("DIVQ2EN", 20), Field("DIVR2EN", 21), Field("DIVP3EN", 22), Field("DIVQ3EN", 23),
            Field("DIVR3EN", 24))),
        Reg("PLL1DIVR", 0x30, reset=0x01010280, fields=_pll_divr()),
        Reg("PLL1FRACR", 0x34, fields=(Field("FRACN", 3, 13),)),
        Reg("PLL2DIVR", 0x38, reset=0x01010280, fields=_pll_divr()),
        Reg("PLL2FRACR", 0x3C, fields=(Field("FRACN", 3, 13),)),
        Reg("PLL3DIVR", 0x40, reset=0x01010280, fields=_pll_divr()),
        Reg("PLL3FRACR", 0x44, fields=(Field("FRACN", 3, 13),)),
        Reg("D1CCIPR", 0x4C, fields=(Field("FMCSEL", 0, 2), Field("OCTOSPISEL", 4, 2), Field("SDMMCSEL", 16),
                                     Field("CKPERSEL", 28, 2))),
        Reg("D2CCIP1R", 0x50),
        Reg("D2CCIP2R", 0x54, fields=(Field("USART28SEL", 0, 3), Field("USART16910SEL", 3, 3))),
    ) + _plain(("D3CCIPR", 0x58), ("CIER", 0x60)) + (
        Reg("CIFR", 0x64, access=RO), Reg("CICR", 0x68, access="wo"),
    ) + _plain(("BDCR", 0x70), ("CSR", 0x74), ("AHB3RSTR", 0x7C), ("AHB1RSTR", 0x80), ("AHB2RSTR", 0x84),
               ("AHB4RSTR", 0x88), ("APB3RSTR", 0x8C), ("APB1LRSTR", 0x90), ("APB1HRSTR", 0x94),
               ("APB2RSTR", 0x98), ("APB4RSTR", 0x9C), ("GCR", 0xA0), ("D3AMR", 0xA8)) + (
        Reg("RSR", 0xD0, reset=0x00FE0000),   # power-on reset flags set after POR [RM?]
    ) + _plain(("AHB3ENR", 0xD4), ("AHB1ENR", 0xD8), ("AHB2ENR", 0xDC), ("AHB4ENR", 0xE0), ("APB3ENR", 0xE4),
               ("APB1LENR", 0xE8), ("APB1HENR", 0xEC), ("APB2ENR", 0xF0), ("APB4ENR", 0xF4),
               ("AHB3LPENR", 0xFC), ("AHB1LPENR", 0x100), ("AHB2LPENR", 0x104), ("AHB4LPENR", 0x108),
               ("APB3LPENR", 0x10C), ("APB1LLPENR", 0x110), ("APB1HLPENR", 0x114), ("APB2LPENR", 0x118),
               ("APB4LPENR", 0x11C))

    def __init__(self, name="RCC", base=0x5802_4400, board=None, hse_hz=None):
        self._hse_hz = hse_hz
        super().__init__(name, base, board)

    def reset(self):
        self._freq = {}
        super().reset()

    # Frequencies are asked for on every MMIO access (CPU time): cache them until the RCC changes.
    def set(self, name, value=None, **fields):
        super().set(name, value, **fields)
        self._freq = {}

    def bus_write(self, offset, size, value):
        enr = RSTR_OF.get(offset & ~3)
        old = self.values.get(offset & ~3, 0)
        super().bus_write(offset, size, value)
        self._freq = {}
        if enr is not None:
            self._peripheral_reset(enr, old, self.values[offset & ~3])

    def _peripheral_reset(self, enr: str, old: int, new: int) -> None:
        """RM0468 RCC xxxRSTR registers: a peripheral reset bit puts that peripheral in reset while it is 1. Every
        model gated by the matching xxxENR bit goes back to its reset state on the 0->1 edge and again on
        the 1->0 edge (so what was written while held in reset is lost too); its fault state goes with it."""
        edges = old ^ new
        if not edges:
            return
        for p in getattr(getattr(self.board, "bus", None), "peripherals", ()):
            gate = getattr(p, "clock_gate", None)
            if p is not self and gate is not None and gate[0] == enr and edges >> gate[1] & 1:
                p.reset()

    def _cached(self, key, fn):
        v = self._freq.get(key)
        if v is None:
            v = self._freq[key] = fn()
        return v

    # ---- helpers --------------------------------------------------------------------------------
    @property
    def hse_hz(self) -> int:
        if self._hse_hz is not None:
            return self._hse_hz
        desc = getattr(self.board, "board", None)
        return getattr(desc, "hse_hz", 25_000_000)

    def _input_ready(self, src: str) -> bool:
        if not src.startswith("PLL"):
            return True
        feed = PLL_SRC[self.get("PLLCKSELR", "PLLSRC")]
        return feed is not None and self.ready(feed)

    # ---- register callbacks ---------------------------------------------------------------------
    def _pll_locked_write(self, reg, old, new, masks):
        """Keep the bits of each PLL that is on (written-while-on is ignored on silicon)."""
        keep = 0
        for i, m in enumerate(masks):
            if m and (self._on(f"PLL{i + 1}") or self.ready(f"PLL{i + 1}")) and (old ^ new) & m:
                keep |= m
                self._note(f"{reg} bits for PLL{i + 1} written while PLL{i + 1} is on: ignored")
        if keep:
            self.set(reg, (new & ~keep) | (old & keep))

    def write_PLLCKSELR(self, old, new):
        src = 0x3 if any(self._on(f"PLL{i}") for i in (1, 2, 3)) else 0
        self._pll_locked_write("PLLCKSELR", old, new, (0x3F0 | src, 0x3F000 | src, 0x3F00000 | src))

    def write_PLLCFGR(self, old, new):
        self._pll_locked_write("PLLCFGR", old, new, (0xF | 0x7 << 16, 0xF0 | 0x7 << 19, 0xF00 | 0x7 << 22))

    def _divr(self, n):
        def cb(old, new):
            masks = [0, 0, 0]
            masks[n - 1] = 0xFFFFFFFF
            self._pll_locked_write(f"PLL{n}DIVR", old, new, masks)
        return cb

    def write_PLL1DIVR(self, old, new): self._divr(1)(old, new)
    def write_PLL2DIVR(self, old, new): self._divr(2)(old, new)
    def write_PLL3DIVR(self, old, new): self._divr(3)(old, new)
    # FRACN may change while the PLL runs (fine tuning), as on silicon; it applies only with FRACEN.

    def write_CICR(self, old, new):
        self.set("CIFR", self.get("CIFR") & ~new)

    # ---- frequencies ----------------------------------------------------------------------------
    def hsi_hz(self) -> int:
        return HSI_HZ >> self.get("CR", "HSIDIV")

    def source_hz(self, src: str | None) -> int:
        if src is None or not self.ready(src):
            return 0
        return {"HSI": self.hsi_hz, "CSI": lambda: CSI_HZ, "HSE": lambda: self.hse_hz,
                "HSI48": lambda: HSI48_HZ}[src]() if not src.startswith("PLL") else self.pll_hz(int(src[3]), "p")

    def pll_vco_hz(self, n: int) -> float:
        if not self.ready(f"PLL{n}"):
            return 0.0
        m = self.get("PLLCKSELR", f"DIVM{n}")
        if m == 0:
            return 0.0
        ref = self.source_hz(PLL_SRC[self.get("PLLCKSELR", "PLLSRC")]) / m
        frac = self.get(f"PLL{n}FRACR", "FRACN") if self.get("PLLCFGR", f"PLL{n}FRACEN") else 0
        return ref * (self.get(f"PLL{n}DIVR", "DIVN") + 1 + frac / 8192)

    def pll_hz(self, n: int, out: str) -> float:
        vco = self.pll_vco_hz(n)
        if not vco or not self.get("PLLCFGR", f"DIV{out.upper()}{n}EN"):
            return 0.0
        return vco / (self.get(f"PLL{n}DIVR", f"DIV{out.upper()}") + 1)

    def sys_ck_hz(self) -> float:
        sws = self.get("CFGR", "SWS")
        return self.source_hz(SW_SOURCES[sws]) if sws < 4 else 0

    def sysclk_hz(self) -> float:
        return self._cached("sysclk", lambda: self.sys_ck_hz() / self._hpre(self.get("D1CFGR", "D1CPRE")))

    def hclk_hz(self) -> float:
        return self.sysclk_hz() / self._hpre(self.get("D1CFGR", "HPRE"))

    def pclk_hz(self, n: int) -> float:
        reg, fld = {1: ("D2CFGR", "D2PPRE1"), 2: ("D2CFGR", "D2PPRE2"), 3: ("D1CFGR", "D1PPRE"),
                    4: ("D3CFGR", "D3PPRE")}[n]
        return self.hclk_hz() / self._ppre(self.get(reg, fld))

    def per_ck_hz(self) -> float:
        return {0: self.hsi_hz() if self.get("CR", "HSIKERON") or self.ready("HSI") else 0,
                1: CSI_HZ if self.ready("CSI") else 0, 2: self.source_hz("HSE"), 3: 0}[self.get("D1CCIPR", "CKPERSEL")]

    def _usart_sel(self, sel: int, pclk: float) -> float:
        return [lambda: pclk, lambda: self.pll_hz(2, "q"), lambda: self.pll_hz(3, "q"),
                lambda: self.source_hz("HSI"), lambda: self.source_hz("CSI"), lambda: LSE_HZ,
                lambda: 0, lambda: 0][sel]()

    def kernel_hz(self, what: str) -> float:
        return self._cached(("kernel", what), lambda: self._kernel_hz(what.lower()))

    def _kernel_hz(self, what: str) -> float:
        if what in ("usart2", "usart3", "uart4", "uart5", "uart7", "uart8"):
            return self._usart_sel(self.get("D2CCIP2R", "USART28SEL"), self.pclk_hz(1))
        if what in ("usart1", "usart6", "uart9", "usart10"):
            return self._usart_sel(self.get("D2CCIP2R", "USART16910SEL"), self.pclk_hz(2))
        if what == "octospi":
            return [self.hclk_hz, lambda: self.pll_hz(1, "q"), lambda: self.pll_hz(2, "r"),
                    self.per_ck_hz][self.get("D1CCIPR", "OCTOSPISEL")]()
        if what == "per":
            return self.per_ck_hz()
        raise KeyError(f"no kernel clock named {what!r} in the RCC model")


RSTR_OF = {r.offset: RSTR_REGS[r.name] for r in Rcc.REGS if r.name in RSTR_REGS}   # offset -> its xxxENR
