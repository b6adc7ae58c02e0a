"""DMAMUX1 model (register layout: RM0468, DMAMUX chapter): which peripheral request drives
which DMA stream. Channel c (0..7) feeds DMA1 stream c, channel 8..15 DMA2 stream c-8. Synchronisation
and the request generators are declared (so firmware may write them) but not modelled: a channel with
SE=1 or a generator enabled is reported once as unmodelled behaviour.
"""
from __future__ import annotations

from ..regs import RO, WO, Field, Peripheral, Reg

# DMAMUX1 request inputs (RM0468 DMAMUX1 table, from memory) [RM?]
REQ = {"USART1": (41, 42), "USART3": (45, 46)}   # (rx, tx)

_CCR = (Field("DMAREQ_ID", 0, 8), Field("SOIE", 8), Field("EGE", 9), Field("SE", 16), Field("SPOL", 17, 2),
        Field("NBREQ", 19, 5), Field("SYNC_ID", 24, 5))
_RGCR = (Field("SIG_ID", 0, 5), Field("OIE", 8), Field("GE", 16), Field("GPOL", 17, 2), Field("GNBREQ", 19, 5))


class Dmamux(Peripheral):
    C_PREFIX = "DMAMUX"
    C_FIELD_ALIASES = {**{f"C{c}CR": "CxCR" for c in range(16)}, **{f"RG{g}CR": "RGxCR" for g in range(8)}}
    REGS = tuple(Reg(f"C{c}CR", 4 * c, fields=_CCR) for c in range(16)) + (
        Reg("CSR", 0x80, access=RO), Reg("CFR", 0x84, access=WO)) + \
        tuple(Reg(f"RG{g}CR", 0x100 + 4 * g, fields=_RGCR) for g in range(8)) + (
        Reg("RGSR", 0x140, access=RO), Reg("RGCFR", 0x144, access=WO))

    def __init__(self, name="DMAMUX1", base=0x4002_0800, board=None):
        super().__init__(name, base, board)
        self._warned = False

    def streams_for(self, req_id: int):
        """[(dma model, stream)] of the channels that route this request, in channel order."""
        out = []
        for c in range(16):
            if self.values[4 * c] & 0xFF == req_id:
                dma = getattr(self.board, "dma1" if c < 8 else "dma2", None)
                if dma is not None:
                    out.append((dma, c & 7))
        return out

    def bus_write(self, offset, size, value):
        super().bus_write(offset, size, value)
        word = offset & ~3
        if word < 0x40 and self.values[word] & (1 << 16) or 0x100 <= word < 0x120 and self.values[word] & (1 << 16):
            if not self._warned and self.board is not None:
                self._warned = True
                self.board.bus.warn(f"sim: warning: {self.name}: request synchronisation/generators are not "
                                    f"modelled (write 0x{value:X} at +0x{offset:03X})")
        if word < 0x40 and self.board is not None:
            for p in list(self.board.bus.peripherals):
                upd = getattr(p, "dma_update", None)
                if upd is not None:
                    upd()
