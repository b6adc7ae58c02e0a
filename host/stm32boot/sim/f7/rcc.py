"""F7 RCC (RM0385 §5): HSI 16 MHz at reset, HSE, the main PLL, AHB/APB prescalers, clock enables that gate
the other models and reset registers that reset them.

API as the H7 model's (the machine and the models only use these): sysclk_hz() (the CPU clock, HCLK on the
F7), hclk_hz(), pclk_hz(1|2), kernel_hz("usart1" | "quadspi"), ready(src).
As on silicon (RM0385 §5.3.2): PLLCFGR written while the PLL is on is ignored; SYSCLK does not switch to a
source that is not ready (SWS keeps the old one and follows once it is ready); the oscillator or PLL feeding
SYSCLK cannot be stopped. A bit set in an xxxRSTR resets the models wired to it (their `reset_line`).
"""
from __future__ import annotations

from ..clock import us
from ..periph.rcc_osc import RccOscillators
from ..regs import RO, Field, Reg

HSI_HZ = 16_000_000
LSE_HZ = 32_768
# Start-up / lock times: DS10916 §6.3.8-6.3.11 order of magnitude (HSI 2 us, HSE crystal ~2 ms, PLL lock
# 75-200 us); model estimates, the firmware must poll the ready flags either way.
DELAYS_PS = {"HSI": us(2), "HSE": us(2000), "PLL": us(100), "PLLI2S": us(100), "PLLSAI": us(100)}
SOURCES = {"HSI": (0, 1), "HSE": (16, 17), "PLL": (24, 25), "PLLI2S": (26, 27), "PLLSAI": (28, 29)}
SW_SOURCES = ("HSI", "HSE", "PLL")


def _plain(*names_offs, reset=0):
    return tuple(Reg(n, o, reset=reset) for n, o in names_offs)


class RccF7(RccOscillators):
    C_PREFIX = "RCC"
    SOURCES, DELAYS_PS, SW_SOURCES, SW_MASK, PLLS = SOURCES, DELAYS_PS, SW_SOURCES, 3, ("PLL",)
    POLL_REGS = frozenset({"CR", "CFGR"})
    REGS = (
        Reg("CR", 0x00, reset=0x0000_0083, fields=(
            Field("HSION", 0), Field("HSIRDY", 1, access=RO), Field("HSITRIM", 3, 5), Field("HSICAL", 8, 8, access=RO),
            Field("HSEON", 16), Field("HSERDY", 17, access=RO), Field("HSEBYP", 18), Field("CSSON", 19),
            Field("PLLON", 24), Field("PLLRDY", 25, access=RO), Field("PLLI2SON", 26),
            Field("PLLI2SRDY", 27, access=RO), Field("PLLSAION", 28), Field("PLLSAIRDY", 29, access=RO))),
        # Bit 29 is reserved but resets to 1 (RM0385 §5.3.2).
        Reg("PLLCFGR", 0x04, reset=0x2400_3010, fields=(
            Field("PLLM", 0, 6), Field("PLLN", 6, 9), Field("PLLP", 16, 2), Field("PLLSRC", 22), Field("PLLQ", 24, 4),
            Field("RES29", 29))),
        Reg("CFGR", 0x08, fields=(
            Field("SW", 0, 2), Field("SWS", 2, 2, access=RO), Field("HPRE", 4, 4), Field("PPRE1", 10, 3),
            Field("PPRE2", 13, 3), Field("RTCPRE", 16, 5), Field("MCO1", 21, 2), Field("I2SSRC", 23),
            Field("MCO1PRE", 24, 3), Field("MCO2PRE", 27, 3), Field("MCO2", 30, 2))),
        Reg("CIR", 0x0C),
    ) + _plain(("AHB1RSTR", 0x10), ("AHB2RSTR", 0x14), ("AHB3RSTR", 0x18), ("APB1RSTR", 0x20), ("APB2RSTR", 0x24)) + (
        Reg("AHB1ENR", 0x30, reset=0x0010_0000),   # DTCMRAMEN on out of reset
    ) + _plain(("AHB2ENR", 0x34), ("AHB3ENR", 0x38), ("APB1ENR", 0x40), ("APB2ENR", 0x44)) + (
        Reg("AHB1LPENR", 0x50, reset=0x7EEF_97FF), Reg("AHB2LPENR", 0x54, reset=0x0000_00F1),
        Reg("AHB3LPENR", 0x58, reset=0x0000_0003), Reg("APB1LPENR", 0x60, reset=0xFFFF_CBFF),
        Reg("APB2LPENR", 0x64, reset=0x04F7_7F33),
        Reg("BDCR", 0x70), Reg("CSR", 0x74, reset=0x0E00_0000),   # PINRSTF, PORRSTF, BORRSTF after power-on
        Reg("SSCGR", 0x80), Reg("PLLI2SCFGR", 0x84, reset=0x2400_3000), Reg("PLLSAICFGR", 0x88, reset=0x2400_3000),
        Reg("DCKCFGR1", 0x8C),
        Reg("DCKCFGR2", 0x90, fields=(Field("USART1SEL", 0, 2), Field("USART2SEL", 2, 2), Field("USART3SEL", 4, 2),
                                      Field("UART4SEL", 6, 2), Field("UART5SEL", 8, 2), Field("USART6SEL", 10, 2),
                                      Field("UART7SEL", 12, 2), Field("UART8SEL", 14, 2), Field("I2C1SEL", 16, 2),
                                      Field("I2C2SEL", 18, 2), Field("I2C3SEL", 20, 2), Field("I2C4SEL", 22, 2),
                                      Field("LPTIM1SEL", 24, 2), Field("CECSEL", 26), Field("CK48MSEL", 27),
                                      Field("SDMMC1SEL", 28))),
    )
    RSTRS = ("AHB1RSTR", "AHB2RSTR", "AHB3RSTR", "APB1RSTR", "APB2RSTR")

    def __init__(self, name="RCC", base=0x4002_3800, board=None, hse_hz=25_000_000):
        self._hse_hz = hse_hz
        super().__init__(name, base, board)

    @property
    def hse_hz(self) -> int:
        return self._hse_hz

    def _pll_input(self) -> str:
        return "HSE" if self.get("PLLCFGR", "PLLSRC") else "HSI"

    def _input_ready(self, src: str) -> bool:
        return src != "PLL" or self.ready(self._pll_input())

    def _feeds_sysclk(self, src: str, current: str | None) -> bool:
        """The SYSCLK source, and the PLL's input while the PLL is SYSCLK (RM0385 §5.3.1, HSEON/HSION)."""
        return src == current or (current == "PLL" and src == self._pll_input())

    # ---- registers ------------------------------------------------------------------------------
    def write_PLLCFGR(self, old, new):
        if self._on("PLL") or self.ready("PLL"):
            if old != new:
                self._note("PLLCFGR written while the PLL is on: ignored (RM0385 §5.3.2)")
            self.set("PLLCFGR", old)

    def _rstr(self, reg, old, new):
        rose = new & ~old
        bus = getattr(self.board, "bus", None)
        if not rose or bus is None:
            return
        for p in bus.peripherals:
            line = getattr(p, "reset_line", None)
            if line is not None and line[0] == reg and rose >> line[1] & 1:
                p.reset()

    def write_AHB1RSTR(self, old, new): self._rstr("AHB1RSTR", old, new)
    def write_AHB2RSTR(self, old, new): self._rstr("AHB2RSTR", old, new)
    def write_AHB3RSTR(self, old, new): self._rstr("AHB3RSTR", old, new)
    def write_APB1RSTR(self, old, new): self._rstr("APB1RSTR", old, new)
    def write_APB2RSTR(self, old, new): self._rstr("APB2RSTR", old, new)

    def held_in_reset(self, line) -> bool:
        """A model whose reset bit is still set ignores its registers like an unclocked one."""
        return bool(line is not None and self.get(line[0]) >> line[1] & 1)

    # ---- frequencies ----------------------------------------------------------------------------
    def source_hz(self, src) -> float:
        if src is None or not self.ready(src):
            return 0
        if src == "HSI":
            return HSI_HZ
        if src == "HSE":
            return self.hse_hz
        return self.pll_hz("p")

    def pll_vco_hz(self) -> float:
        m, n = self.get("PLLCFGR", "PLLM"), self.get("PLLCFGR", "PLLN")
        if not self.ready("PLL") or m < 2 or n < 2:
            return 0.0
        return self.source_hz(self._pll_input()) / m * n

    def pll_hz(self, out: str) -> float:
        vco = self.pll_vco_hz()
        if out == "p":
            return vco / (2 * (self.get("PLLCFGR", "PLLP") + 1))
        q = self.get("PLLCFGR", "PLLQ")
        return vco / q if q >= 2 else 0.0

    def sys_ck_hz(self) -> float:
        return self.source_hz(self._current())

    def hclk_hz(self) -> float:
        return self.sys_ck_hz() / self._hpre(self.get("CFGR", "HPRE"))

    def sysclk_hz(self) -> float:
        return self.hclk_hz()       # the Cortex-M7 runs at HCLK (RM0385 §5.2 clock tree)

    def pclk_hz(self, n: int) -> float:
        return self.hclk_hz() / self._ppre(self.get("CFGR", "PPRE1" if n == 1 else "PPRE2"))

    def kernel_hz(self, what: str) -> float:
        what = what.lower()
        if what in ("usart1", "usart6"):
            sel = self.get("DCKCFGR2", what.upper() + "SEL")
            return (self.pclk_hz(2), self.sys_ck_hz(), self.source_hz("HSI"), LSE_HZ)[sel]
        if what == "quadspi":
            return self.hclk_hz()    # no kernel clock mux on F74x: QUADSPI runs from HCLK
        raise KeyError(f"no kernel clock named {what!r} in the F7 RCC model")
