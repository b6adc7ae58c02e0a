"""Cortex-M7 fault status decoding and the debugger-style fault report (PM0253, fault status registers; ARMv7-M ARM).

The machine sets CFSR/HFSR/DFSR/MMFAR/BFAR in the SCB model the way silicon would, stacks the
exception frame, and then builds a FaultReport from those registers, so the report shows exactly what
the firmware's own HardFault handler would see.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# (bit, name, meaning) — PM0253, CFSR / HFSR / DFSR.
CFSR_BITS = (
    (0, "IACCVIOL", "MemManage: instruction fetch from a no-access or execute-never region"),
    (1, "DACCVIOL", "MemManage: data access violation"),
    (3, "MUNSTKERR", "MemManage: fault on exception-return unstacking"),
    (4, "MSTKERR", "MemManage: fault on exception-entry stacking"),
    (5, "MLSPERR", "MemManage: fault on lazy FP state preservation"),
    (7, "MMARVALID", "MMFAR holds the faulting address"),
    (8, "IBUSERR", "BusFault: instruction fetch from a memory that does not answer"),
    (9, "PRECISERR", "BusFault: precise data bus error"),
    (10, "IMPRECISERR", "BusFault: imprecise data bus error (buffered write)"),
    (11, "UNSTKERR", "BusFault: fault on exception-return unstacking"),
    (12, "STKERR", "BusFault: fault on exception-entry stacking"),
    (13, "LSPERR", "BusFault: fault on lazy FP state preservation"),
    (15, "BFARVALID", "BFAR holds the faulting address"),
    (16, "UNDEFINSTR", "UsageFault: undefined instruction"),
    (17, "INVSTATE", "UsageFault: invalid state (Thumb bit clear / bad EPSR)"),
    (18, "INVPC", "UsageFault: invalid EXC_RETURN"),
    (19, "NOCP", "UsageFault: coprocessor (FPU) disabled in CPACR"),
    (24, "UNALIGNED", "UsageFault: unaligned access with CCR.UNALIGN_TRP"),
    (25, "DIVBYZERO", "UsageFault: divide by zero with CCR.DIV_0_TRP"),
)
HFSR_BITS = (
    (1, "VECTTBL", "bus fault on a vector-table read"),
    (30, "FORCED", "a configurable fault escalated to HardFault (its handler is disabled in SHCSR)"),
    (31, "DEBUGEVT", "a debug event with no debugger attached (e.g. BKPT)"),
)
DFSR_BITS = (
    (0, "HALTED", "halt request or step"),
    (1, "BKPT", "BKPT instruction"),
    (2, "DWTTRAP", "DWT watchpoint"),
    (3, "VCATCH", "vector catch"),
    (4, "EXTERNAL", "external debug request"),
)

# CFSR bits by name, for the machine's fault producers.
CFSR = {name: 1 << bit for bit, name, _ in CFSR_BITS}
HFSR = {name: 1 << bit for bit, name, _ in HFSR_BITS}
DFSR = {name: 1 << bit for bit, name, _ in DFSR_BITS}


def decode(value: int, table) -> list[str]:
    return [name for bit, name, _ in table if value >> bit & 1]


def explain(value: int, table) -> list[str]:
    return [f"{name} ({text})" for bit, name, text in table if value >> bit & 1]


@dataclass
class FaultReport:
    kind: str                 # "HardFault", "BusFault", "UsageFault", "MemManage"
    cause: str                # one line in words: what went wrong
    pc: int
    lr: int
    sp: int
    xpsr: int
    regs: dict[str, int]
    cfsr: int = 0
    hfsr: int = 0
    dfsr: int = 0
    mmfar: int = 0
    bfar: int = 0
    frame: dict[str, int] | None = None   # the stacked exception frame, as the handler would see it
    frame_addr: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """One line, e.g. "HardFault: FORCED; BusFault PRECISERR at BFAR=0x90000000 (...)"."""
        parts = []
        if self.hfsr:
            parts.append(f"{self.kind}: " + " ".join(decode(self.hfsr, HFSR_BITS)))
        else:
            parts.append(self.kind)
        cf = [n for n in decode(self.cfsr, CFSR_BITS) if n not in ("BFARVALID", "MMARVALID")]
        if cf:
            group = ("MemManage" if self.cfsr & 0xFF else "BusFault" if self.cfsr & 0xFF00
                     else "UsageFault")
            s = f"{group} " + " ".join(cf)
            if self.cfsr & CFSR["BFARVALID"]:
                s += f" at BFAR=0x{self.bfar:08X}"
            if self.cfsr & CFSR["MMARVALID"]:
                s += f" at MMFAR=0x{self.mmfar:08X}"
            parts.append(s)
        elif self.dfsr:
            parts.append("debug event " + " ".join(decode(self.dfsr, DFSR_BITS)))
        return "; ".join(parts) + f" ({self.cause})"

    def format(self) -> str:
        lines = [self.summary,
                 f"  PC=0x{self.pc:08X} LR=0x{self.lr:08X} SP=0x{self.sp:08X} xPSR=0x{self.xpsr:08X}"]
        r = self.regs
        lines.append("  " + " ".join(f"{k}=0x{r[k]:08X}" for k in ("R0", "R1", "R2", "R3", "R12")))
        lines.append("  " + " ".join(f"{k}=0x{r[k]:08X}" for k in ("R4", "R5", "R6", "R7")))
        lines.append("  " + " ".join(f"{k}=0x{r[k]:08X}" for k in ("R8", "R9", "R10", "R11")))
        if self.frame is not None:
            lines.append(f"  stacked frame at 0x{self.frame_addr:08X}: " +
                         " ".join(f"{k}=0x{v:08X}" for k, v in self.frame.items()))
        else:
            lines.append("  no stacked frame (stack pointer outside writable RAM)")
        for reg, val, table in (("HFSR", self.hfsr, HFSR_BITS), ("CFSR", self.cfsr, CFSR_BITS),
                                ("DFSR", self.dfsr, DFSR_BITS)):
            words = explain(val, table)
            lines.append(f"  {reg}=0x{val:08X}" + (": " + "; ".join(words) if words else ""))
        lines.append(f"  MMFAR=0x{self.mmfar:08X} BFAR=0x{self.bfar:08X}")
        lines.extend("  " + n for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()
