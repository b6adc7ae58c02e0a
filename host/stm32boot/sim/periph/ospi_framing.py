"""A command framing of the OCTOSPI (RM0468, OCTOSPI chapter: CCR/TCR/IR/ABR phases, DCR1.MTYP,
DCR3.CSBOUND, HLCR) decoded once into what every Transfer built with it shares (devices/xfer.py): the
controller model (octospi.py) keeps one per distinct set of register values."""
from __future__ import annotations

from ..devices.xfer import MTYP_HYPER_MEM, MTYP_HYPER_REG, Phase, Transfer

LINES = (0, 1, 2, 4, 8, 0, 0, 0)     # IMODE/ADMODE/ABMODE/DMODE -> data lines
HYPER_MTYPS = (MTYP_HYPER_MEM, MTYP_HYPER_REG)


def phase(ccr: int, mode_pos: int, dtr_bit: int, size_pos: int, value: int) -> Phase | None:
    lines = LINES[(ccr >> mode_pos) & 7]
    if not lines:
        return None
    size = ((ccr >> size_pos) & 3) + 1
    return Phase(value & ((1 << 8 * size) - 1), size, lines, bool(ccr >> dtr_bit & 1))


class Framing:
    """One command framing: CCR/TCR/IR/ABR (of one set: regular, WP or W) with DCR1.MTYP, DCR3.CSBOUND and
    HLCR, decoded into what every `Transfer` with it shares. Only the address, the direction and the data
    differ from one command to the next."""

    def __init__(self, prefix, ccr, tcr, ir, abr, dcr1, dcr3, hlcr):
        mtyp = dcr1 >> 24 & 7
        self.hyper = hyper = mtyp in HYPER_MTYPS
        csb = dcr3 >> 16 & 0x1F
        instruction = None if hyper else phase(ccr, 0, 3, 4, ir)
        alternate = phase(ccr, 16, 19, 20, abr)
        self.fields = dict(
            instruction=instruction, alternate=alternate, dummy=tcr & 0x1F, dqs=bool(ccr >> 29 & 1),
            data_lines=LINES[(ccr >> 24) & 7], data_dtr=bool(ccr >> 27 & 1), mtyp=mtyp,
            cs_boundary=1 << csb if csb else 0, burst_start=None,
            latency=dict(tacc=hlcr >> 8 & 0xFF, fixed=bool(hlcr & 1), wzl=bool(hlcr >> 1 & 1),
                         trwr=hlcr >> 16 & 0xFF))
        self.ccr = ccr
        self.addr_lines = LINES[(ccr >> 8) & 7]
        self._addr = None       # (address, its Phase) of the last transfer
        probe = self.address(0)
        phases = [p for p in (instruction, probe, alternate) if p]
        self.fixed_cycles = sum(p.cycles() for p in phases) + (tcr & 0x1F)   # all but the data phase
        self.lines = max([p.lines for p in phases] + [self.fields["data_lines"]])
        self.dqs = self.fields["dqs"]
        # docs/hardware-notes.md: with TCR.DHQC=1 a DTR command without CCR.DDTR=1 is not executed.
        self.dhqc_blocks = prefix != "W" and bool(tcr >> 28 & 1) and bool(ccr & (1 << 3 | 1 << 11)) and \
            not ccr & (1 << 27)

    def address(self, addr: int) -> Phase | None:
        last = self._addr
        if last is not None and last[0] == addr:
            return last[1]
        if self.addr_lines:
            ph = phase(self.ccr, 8, 11, 12, addr)
        else:
            ph = Phase(addr, 4, 8, True) if self.hyper else None
        self._addr = (addr, ph)
        return ph

    def transfer(self, addr: int, write: bool, data, count: int) -> Transfer:
        t = _new_transfer(Transfer)       # Transfer(**fields, ...) without the generated __init__'s cost
        d = t.__dict__
        d.update(self.fields)
        d["address"] = self.address(addr)
        d["write"], d["data"], d["count"] = write, data, count
        return t

    def cycles(self, t: Transfer) -> int:
        """t.cycles() for a transfer of this framing."""
        n = len(t.data) if t.write else t.count
        lines = t.data_lines
        return self.fixed_cycles + (-(-n * 8 // (lines * (2 if t.data_dtr else 1))) if lines else 0)


_new_transfer = object.__new__
