"""What unicorn does not do for an M-profile core (docs/emulator-notes.md): reset from the vector
table, exception entry and return, and turning engine errors into architectural faults with the SCB
fault registers set as silicon would (PM0253, fault status registers).
"""
from __future__ import annotations

import struct

from unicorn.arm_const import (UC_ARM_REG_CONTROL, UC_ARM_REG_FPSCR, UC_ARM_REG_IPSR, UC_ARM_REG_LR,
                               UC_ARM_REG_MSP, UC_ARM_REG_PC, UC_ARM_REG_PRIMASK, UC_ARM_REG_PSP,
                               UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
                               UC_ARM_REG_R12, UC_ARM_REG_S0, UC_ARM_REG_SP, UC_ARM_REG_XPSR)

from . import memory
from .faults import CFSR, DFSR, HFSR, FaultReport

HARDFAULT, MEMMANAGE, BUSFAULT, USAGEFAULT, SVCALL, PENDSV, SYSTICK = 3, 4, 5, 6, 11, 14, 15
FRAME_REGS = ("R0", "R1", "R2", "R3", "R12", "LR", "PC", "xPSR")
_FRAME_IDS = (UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR)
SHCSR_ENA = {MEMMANAGE: 1 << 16, BUSFAULT: 1 << 17, USAGEFAULT: 1 << 18}
NAMES = {HARDFAULT: "HardFault", MEMMANAGE: "MemManage", BUSFAULT: "BusFault", USAGEFAULT: "UsageFault"}


def add_core_models(m) -> None:
    from . import scs
    for p in scs.core_models():
        m.add(p)


def cpu_reset(m, boot: int) -> None:
    uc = m.uc
    for i in range(13):
        uc.reg_write(UC_ARM_REG_R0 + i, 0)
    uc.reg_write(UC_ARM_REG_CONTROL, 0)
    uc.reg_write(UC_ARM_REG_PRIMASK, 0)
    uc.reg_write(UC_ARM_REG_XPSR, 1 << 24)          # Thumb
    uc.reg_write(UC_ARM_REG_LR, 0xFFFFFFFF)
    m.scb.set("VTOR", boot & 0xFFFFFF80)
    sp, pc = struct.unpack("<II", m.read(boot, 8))
    uc.reg_write(UC_ARM_REG_MSP, sp)
    uc.reg_write(UC_ARM_REG_PSP, 0)
    uc.reg_write(UC_ARM_REG_SP, sp)
    uc.reg_write(UC_ARM_REG_PC, pc & ~1)


def _writable(m, addr: int, n: int) -> bool:
    r = memory.region_at(m.regions, addr, n)
    return r is not None and r.kind in ("ram", "window")


def can_take(m) -> bool:
    """Thread mode with PRIMASK clear: the only preemption case a polling firmware needs."""
    return m.uc.reg_read(UC_ARM_REG_PRIMASK) == 0 and m.uc.reg_read(UC_ARM_REG_IPSR) == 0


def push_frame(m, return_pc: int):
    """Stack R0-R3, R12, LR, PC, xPSR (+ S0-S15, FPSCR when CONTROL.FPCA) as the hardware does.
    Returns (frame address, frame dict, EXC_RETURN) or (None, None, exc_return) if SP is unusable."""
    uc = m.uc
    ctrl = uc.reg_read(UC_ARM_REG_CONTROL)
    thread = uc.reg_read(UC_ARM_REG_IPSR) == 0
    use_psp = thread and bool(ctrl & 2)
    fpca = bool(ctrl & 4)
    sp = uc.reg_read(UC_ARM_REG_PSP if use_psp else UC_ARM_REG_MSP)
    size = 0x68 if fpca else 0x20
    frame_addr = (sp - size) & ~7
    xpsr = uc.reg_read(UC_ARM_REG_XPSR) | ((sp & 4) << 7)   # bit 9: stack was realigned
    vals = [uc.reg_read(r) for r in _FRAME_IDS] + [return_pc, xpsr]
    words = list(vals)
    if fpca:
        words += [uc.reg_read(UC_ARM_REG_S0 + i) for i in range(16)]
        words += [uc.reg_read(UC_ARM_REG_FPSCR), 0]
    exc_return = (0xFFFFFFE0 if fpca else 0xFFFFFFF0) | (0x1 if not thread else (0xD if use_psp else 0x9))
    if not _writable(m, frame_addr, size):
        return None, None, exc_return
    m.uc.mem_write(frame_addr, struct.pack(f"<{len(words)}I", *[w & 0xFFFFFFFF for w in words]))
    uc.reg_write(UC_ARM_REG_PSP if use_psp else UC_ARM_REG_MSP, frame_addr)
    return frame_addr, dict(zip(FRAME_REGS, vals)), exc_return


def enter(m, exc: int, return_pc: int) -> bool:
    """Exception entry into the firmware's handler at VTOR + 4*exc. False if stacking failed."""
    uc = m.uc
    frame_addr, _, exc_return = push_frame(m, return_pc)
    if frame_addr is None:
        return False
    uc.reg_write(UC_ARM_REG_XPSR, (uc.reg_read(UC_ARM_REG_XPSR) & 0xF0000000) | 1 << 24 | exc)
    uc.reg_write(UC_ARM_REG_CONTROL, 0)           # handler: MSP, FP context not active
    uc.reg_write(UC_ARM_REG_SP, uc.reg_read(UC_ARM_REG_MSP))
    uc.reg_write(UC_ARM_REG_LR, exc_return)
    handler = m.read32(m.scb.get("VTOR") + 4 * exc)
    uc.reg_write(UC_ARM_REG_PC, handler & ~1)
    return True


def exc_return(m, value: int) -> None:
    """EXC_RETURN reached (as a prefetch abort at 0xFFFFFFxx on 2.1.4, or intno 8 later)."""
    uc = m.uc
    use_psp = bool(value & 4)
    fp = not (value & 0x10)
    sp = uc.reg_read(UC_ARM_REG_PSP if use_psp else UC_ARM_REG_MSP)
    n = 26 if fp else 8
    words = struct.unpack(f"<{n}I", m.read(sp, 4 * n))
    for r, v in zip(_FRAME_IDS, words[:6]):
        uc.reg_write(r, v)
    xpsr = words[7]
    if fp:
        for i in range(16):
            uc.reg_write(UC_ARM_REG_S0 + i, words[8 + i])
        uc.reg_write(UC_ARM_REG_FPSCR, words[24])
    sp += 4 * n + (4 if xpsr & (1 << 9) else 0)
    uc.reg_write(UC_ARM_REG_XPSR, xpsr & ~(1 << 9))
    uc.reg_write(UC_ARM_REG_PSP if use_psp else UC_ARM_REG_MSP, sp)
    if (xpsr & 0x1FF) == 0:
        uc.reg_write(UC_ARM_REG_CONTROL, (2 if use_psp else 0) | (4 if fp else 0))
    uc.reg_write(UC_ARM_REG_PC, words[6] & ~1)


def _regs(m) -> dict:
    return {f"R{i}": m.uc.reg_read(UC_ARM_REG_R0 + i) for i in range(13)}


def fault(m, group: int, cfsr: int = 0, bfar=None, mmfar=None, hfsr_extra: int = 0,
          dfsr: int = 0, cause: str = "", pc=None):
    """Raise a fault the way silicon records it; returns a FaultReport (and vectors when the policy
    says so, in which case report.vectored is True and the run continues in the handler)."""
    uc = m.uc
    scb = m.scb
    pc = uc.reg_read(UC_ARM_REG_PC) if pc is None else pc
    lr, sp, xpsr = uc.reg_read(UC_ARM_REG_LR), uc.reg_read(UC_ARM_REG_SP), uc.reg_read(UC_ARM_REG_XPSR)
    regs = _regs(m)
    exc = group
    hfsr = hfsr_extra
    if group != HARDFAULT and not scb.get("SHCSR") & SHCSR_ENA[group]:
        exc, hfsr = HARDFAULT, hfsr | HFSR["FORCED"]   # handler disabled: escalate (PM0253, HFSR.FORCED)
    if bfar is not None:
        cfsr |= CFSR["BFARVALID"]
        scb.set("BFAR", bfar)
    if mmfar is not None:
        cfsr |= CFSR["MMARVALID"]
        scb.set("MMFAR", mmfar)
    scb.set("CFSR", scb.get("CFSR") | cfsr)
    scb.set("HFSR", scb.get("HFSR") | hfsr)
    scb.set("DFSR", scb.get("DFSR") | dfsr)
    frame_addr, frame, exc_ret = push_frame(m, pc)
    rep = FaultReport(kind=NAMES[exc], cause=cause, pc=pc, lr=lr, sp=sp, xpsr=xpsr, regs=regs,
                      cfsr=scb.get("CFSR"), hfsr=scb.get("HFSR"), dfsr=scb.get("DFSR"),
                      mmfar=scb.get("MMFAR"), bfar=scb.get("BFAR"), frame=frame, frame_addr=frame_addr)
    rep.vectored = False
    if frame_addr is None:
        rep.notes.append(f"stacking failed: SP=0x{sp:08X} is not in writable RAM (STKERR on silicon)")
    elif m.fault_policy == "vector":
        uc.reg_write(UC_ARM_REG_XPSR, (xpsr & 0xF0000000) | 1 << 24 | exc)
        uc.reg_write(UC_ARM_REG_CONTROL, 0)
        uc.reg_write(UC_ARM_REG_SP, uc.reg_read(UC_ARM_REG_MSP))
        uc.reg_write(UC_ARM_REG_LR, exc_ret)
        uc.reg_write(UC_ARM_REG_PC, m.read32(scb.get("VTOR") + 4 * exc) & ~1)
        rep.vectored = True
    return rep


def access_fault(m, kind: str, addr: int, cause: str | None):
    """A memory access the bus did not accept (unmapped, protected, or refused by a model)."""
    cause = cause or m.explain_address(addr, kind)
    if kind == "fetch":
        if addr >= 0xE000_0000:  # execute-never system region: MemManage (ARMv7-M default map)
            return fault(m, MEMMANAGE, CFSR["IACCVIOL"], cause=cause, pc=addr)
        return fault(m, BUSFAULT, CFSR["IBUSERR"], cause=cause, pc=addr)
    if kind == "read":
        return fault(m, BUSFAULT, CFSR["PRECISERR"], bfar=addr, cause=cause)
    # Stores are buffered on the M7: the error comes back imprecise, without BFAR (PM0253, BFSR.IMPRECISERR).
    return fault(m, BUSFAULT, CFSR["IMPRECISERR"],
                 cause=cause + " (buffered store: imprecise on silicon, BFAR not valid)")


def undefined(m):
    pc = m.pc()
    op = int.from_bytes(m.read(pc, 2), "little")
    return fault(m, USAGEFAULT, CFSR["UNDEFINSTR"],
                 cause=f"undefined instruction 0x{op:04X} at 0x{pc:08X}")


def debug_bkpt(m) -> None:
    """BKPT with no debugger: silicon escalates to HardFault DEBUGEVT; we record DFSR.BKPT and stop."""
    m.scb.set("DFSR", m.scb.get("DFSR") | DFSR["BKPT"])
