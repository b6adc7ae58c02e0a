"""Cortex-M7 system control space as declared-register models (offsets from firmware/regs/scb_regs.h;
facts from PM0253 and the ARMv7-M ARM).

SysTick is a counter computed from the machine's virtual cycles (COUNTFLAG exact; an event at every
wrap so idle polling can warp to it and TICKINT can pend exception 15). DWT.CYCCNT counts virtual
cycles. The SCB holds VTOR, the fault status registers (W1C) that the machine sets on faults, real
cache-geometry values (so cache maintenance loops terminate) and no-op maintenance operations.
"""
from __future__ import annotations

from unicorn.arm_const import UC_ARM_REG_IPSR

from .clock import PS_PER_S
from .regs import RO, RW, W1C, WO, Field, Peripheral, Reg

CPUID_M7_R1P2 = 0x411FC272
# 32 KB D-cache 4-way and 32 KB I-cache 2-way, 32-byte lines (STM32H7 Cortex-M7 configuration):
# CCSIDR = WT|WB|RA|WA | (sets-1)<<13 | (ways-1)<<3 | log2(words/line)-2.
CCSIDR_DCACHE = 0xF0000000 | (255 << 13) | (3 << 3) | 1
CCSIDR_ICACHE = 0xF0000000 | (511 << 13) | (1 << 3) | 1
CLIDR_M7 = 0x09000003      # L1 I+D, LoUU = LoC = 1
CTR_M7 = 0x8303C003


class ScnScb(Peripheral):
    C_PREFIX = "SCNSCB"
    SIZE = 0x10
    REGS = (
        Reg("ICTR", 0x004, reset=0x7, access=RO),   # 8 x 32 interrupt lines
        Reg("ACTLR", 0x008),
    )


class SysTick(Peripheral):
    C_PREFIX = "SYST"
    SIZE = 0x10
    TIME_SOURCE = True   # reading it between status reads does not end an idle wait (machine._read)
    POLL_REGS = frozenset({"CSR"})
    REGS = (
        Reg("CSR", 0x00, fields=(Field("ENABLE", 0), Field("TICKINT", 1), Field("CLKSOURCE", 2),
                                  Field("COUNTFLAG", 16, access=RO))),
        Reg("RVR", 0x04, fields=(Field("RELOAD", 0, 24),)),
        Reg("CVR", 0x08, fields=(Field("CURRENT", 0, 24),)),
        Reg("CALIB", 0x0C, reset=0x40000000, access=RO),   # SKEW=1, no 10 ms reference
    )

    def reset(self):
        super().reset()
        self._t0 = 0        # tick count when the counter was last (re)started
        self._v0 = 0        # counter value at that moment
        self._zbase = 0     # zero crossings before the restart
        self._zread = 0     # zero crossings already reported by COUNTFLAG
        self._event = None

    # -- the counter as a function of virtual cycles -------------------------------------------
    def _ticks(self) -> int:
        c = self.board.cycles() if self.board is not None else 0
        return c if self.get("CSR", "CLKSOURCE") else c // 8   # external ref = HCLK/8 on STM32

    def _elapsed(self) -> int:
        return self._ticks() - self._t0 if self.get("CSR", "ENABLE") else 0

    def _reload(self) -> int:
        return self.get("RVR") & 0xFFFFFF

    def _value_at(self, e: int) -> int:
        v0, r = self._v0, self._reload()
        if e <= v0:
            return v0 - e
        return 0 if r == 0 else r - ((e - v0 - 1) % (r + 1))

    def _first_zero(self) -> int | None:
        r = self._reload()
        if self._v0 > 0:
            return self._v0
        return None if r == 0 else r + 1

    def _zeros_at(self, e: int) -> int:
        first, r = self._first_zero(), self._reload()
        if first is None or e < first:
            return 0
        return 1 if r == 0 else 1 + (e - first) // (r + 1)

    def _restart(self, value: int) -> None:
        e = self._elapsed()
        self._zbase += self._zeros_at(e)
        self._v0 = value
        self._t0 = self._ticks()
        self._schedule()

    def _schedule(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        if not self.get("CSR", "ENABLE") or self.board is None:
            return
        first, r = self._first_zero(), self._reload()
        e = self._elapsed()
        if first is None:
            return
        nxt = first if e < first else (first + ((e - first) // (r + 1) + 1) * (r + 1) if r else None)
        if nxt is None:
            return
        cycles = (nxt - e) * (1 if self.get("CSR", "CLKSOURCE") else 8)
        hz = self.board.sysclk_hz()
        # Without TICKINT a wrap changes nothing the guest sees except through CSR/CVR reads: lazy (clock.py).
        self._event = self.board.clock.after(-(-cycles * PS_PER_S // hz), self._on_wrap, "SysTick",
                                             lazy=not self.get("CSR", "TICKINT"))

    def _on_wrap(self) -> None:
        self._event = None
        if self.get("CSR", "TICKINT") and self._zeros_at(self._elapsed()) + self._zbase > self._zread:
            self.board.pend(15)
        self._schedule()

    # -- bus side ------------------------------------------------------------------------------
    def read_CSR(self, v):
        total = self._zbase + self._zeros_at(self._elapsed())
        if total > self._zread:
            v |= 1 << 16
        self._zread = total   # COUNTFLAG clears on read
        return v

    def read_CVR(self, v):
        return self._value_at(self._elapsed()) if self.get("CSR", "ENABLE") else self._v0

    def write_CSR(self, old, new):
        if (old ^ new) & 0x5:          # ENABLE or CLKSOURCE changed: restart from the current value
            self.set("CSR", old)
            e = self._elapsed()
            cur = self._value_at(e) if old & 1 else self._v0
            self._zbase += self._zeros_at(e)
            self.set("CSR", new)
            self._v0, self._t0 = cur, self._ticks()
        self._schedule()

    def write_RVR(self, old, new):
        self._restart(self.read_CVR(0))

    def write_CVR(self, old, new):
        self._restart(0)               # any write clears the counter and COUNTFLAG
        self._zread = self._zbase


class Nvic(Peripheral):
    """Enable/pending registers are stored; external interrupt delivery is not modelled."""
    C_PREFIX = "NVIC"
    SIZE = 0xC00
    REGS = (
        Reg("ISER", 0x000), Reg("ICER", 0x080), Reg("ISPR", 0x100), Reg("ICPR", 0x180),
        Reg("IABR", 0x200, access=RO), Reg("IPR", 0x300),
    ) + tuple(Reg(f"{n}{i}", base + 4 * i, access=a) for n, base, a in (
        ("ISER", 0x000, RW), ("ICER", 0x080, RW), ("ISPR", 0x100, RW), ("ICPR", 0x180, RW),
        ("IABR", 0x200, RO)) for i in range(1, 8)) + tuple(Reg(f"IPR{i}", 0x300 + 4 * i) for i in range(1, 40))

    def write_ISER(self, old, new):
        self.set("ICER", new)

    def write_ICER(self, old, new):
        en = self.get("ISER") & ~new
        self.set("ISER", en)
        self.set("ICER", en)


class Scb(Peripheral):
    C_PREFIX = "SCB"
    SIZE = 0x300
    STABLE_REGS = frozenset({"CCR"})   # changed only by register writes (cache enables)
    REGS = (
        Reg("CPUID", 0x00, reset=CPUID_M7_R1P2, access=RO),
        Reg("ICSR", 0x04, fields=(Field("VECTACTIVE", 0, 9, access=RO), Field("PENDSTCLR", 25, access=WO),
                                  Field("PENDSTSET", 26), Field("PENDSVCLR", 27, access=WO),
                                  Field("PENDSVSET", 28))),
        Reg("VTOR", 0x08, fields=(Field("TBLOFF", 7, 25),)),
        Reg("AIRCR", 0x0C, fields=(Field("VECTCLRACTIVE", 1, access=WO), Field("SYSRESETREQ", 2, access=WO),
                                   Field("PRIGROUP", 8, 3), Field("VECTKEY", 16, 16, access=WO))),
        Reg("SCR", 0x10), Reg("CCR", 0x14, reset=0x00040200),
        Reg("SHPR1", 0x18), Reg("SHPR2", 0x1C), Reg("SHPR3", 0x20), Reg("SHCSR", 0x24),
        Reg("CFSR", 0x28, access=W1C), Reg("HFSR", 0x2C, access=W1C), Reg("DFSR", 0x30, access=W1C),
        Reg("MMFAR", 0x34), Reg("BFAR", 0x38), Reg("AFSR", 0x3C),
        Reg("CLIDR", 0x78, reset=CLIDR_M7, access=RO), Reg("CTR", 0x7C, reset=CTR_M7, access=RO),
        Reg("CCSIDR", 0x80, access=RO), Reg("CSSELR", 0x84, fields=(Field("IND", 0), Field("LEVEL", 1, 3))),
        Reg("CPACR", 0x88, fields=(Field("CP10", 20, 2), Field("CP11", 22, 2))),
        Reg("DHCSR", 0xF0, fields=(Field("C_DEBUGEN", 0), Field("C_HALT", 1), Field("C_STEP", 2),
                                   Field("C_MASKINTS", 3), Field("DBGKEY", 16, 16, access=WO))),
        Reg("DCRSR", 0xF4, access=WO), Reg("DCRDR", 0xF8), Reg("DEMCR", 0xFC),
        Reg("STIR", 0x200, access=WO),
        Reg("FPCCR", 0x234, reset=0xC0000000), Reg("FPCAR", 0x238), Reg("FPDSCR", 0x23C),
        # Cache maintenance operations: write-only, no effect (the caches are not modelled).
        *(Reg(n, o, access=WO) for n, o in (("ICIALLU", 0x250), ("ICIMVAU", 0x258), ("DCIMVAC", 0x25C),
                                             ("DCISW", 0x260), ("DCCMVAU", 0x264), ("DCCMVAC", 0x268),
                                             ("DCCSW", 0x26C), ("DCCIMVAC", 0x270), ("DCCISW", 0x274))),
        Reg("ITCMCR", 0x290), Reg("DTCMCR", 0x294), Reg("AHBPCR", 0x298), Reg("CACR", 0x29C),
        Reg("AHBSCR", 0x2A0), Reg("ABFSR", 0x2A8, access=W1C),
    )

    def read_ICSR(self, v):
        ipsr = self.board.uc.reg_read(UC_ARM_REG_IPSR) & 0x1FF if self.board is not None else 0
        return (v & ~0x1FF) | ipsr

    def write_ICSR(self, old, new):
        if new & (1 << 26) and self.board is not None:
            self.board.pend(15)
        if new & (1 << 28) and self.board is not None:
            self.board.pend(14)
        self.set("ICSR", 0)

    def read_AIRCR(self, v):
        return v | 0xFA050000          # VECTKEYSTAT reads back inverted key

    def write_AIRCR(self, old, new):
        if (new >> 16) != 0x05FA:      # silicon ignores writes without VECTKEY
            self.set("AIRCR", old)
            return
        self.set("AIRCR", new & 0x700)
        if new & 4 and self.board is not None:
            self.board.request_reset()

    def read_CCSIDR(self, v):
        return CCSIDR_ICACHE if self.get("CSSELR") & 1 else CCSIDR_DCACHE

    def write_DHCSR(self, old, new):
        self.set("DHCSR", new & 0xF if (new >> 16) == 0xA05F else old)   # DBGKEY required


class Dwt(Peripheral):
    TIME_SOURCE = True
    C_PREFIX = "DWT"
    SIZE = 0x1000
    REGS = (
        Reg("CTRL", 0x000, reset=0x40000000, fields=(Field("CYCCNTENA", 0), Field("NUMCOMP", 28, 4, access=RO))),
        Reg("CYCCNT", 0x004),
        Reg("LAR", 0xFB0, access=WO),
    )

    def reset(self):
        super().reset()
        self._c0 = 0      # machine cycles when CYCCNT was last written or started
        self._publish()

    def _publish(self) -> None:
        """Tell the machine how CYCCNT reads relate to its cycles, so it can answer them without us."""
        f = getattr(self.board, "time_source", None)
        if f is not None:
            running = self.get("CTRL", "CYCCNTENA")
            f(self.base + 0x004 if running else 0, (self.get("CYCCNT") - self._c0) & 0xFFFFFFFF)

    def _cycles(self) -> int:
        return self.board.cycles() if self.board is not None else 0

    def read_CYCCNT(self, v):
        if self.get("CTRL", "CYCCNTENA"):
            return (v + self._cycles() - self._c0) & 0xFFFFFFFF
        return v

    def write_CYCCNT(self, old, new):
        self._c0 = self._cycles()
        self._publish()

    def write_CTRL(self, old, new):
        if (old ^ new) & 1:
            if old & 1:   # stopping: freeze the count
                self.set("CYCCNT", (self.get("CYCCNT") + self._cycles() - self._c0) & 0xFFFFFFFF)
            self._c0 = self._cycles()
            self._publish()


def core_models():
    return [ScnScb("SCNSCB", 0xE000E000), SysTick("SYST", 0xE000E010), Nvic("NVIC", 0xE000E100),
            Scb("SCB", 0xE000ED00), Dwt("DWT", 0xE0001000)]


MODELS = (ScnScb, SysTick, Nvic, Scb, Dwt)
