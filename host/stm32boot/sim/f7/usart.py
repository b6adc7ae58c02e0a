"""F7 USART (RM0385 §34): the H7 model's behaviour on the F74x register map, which has no PRESC register,
no FIFO and no REACK/wake-up bits (those bits read 0 and ignore writes). RX by DMA as on the H7 model, but the
request reaches a DMA stream by that stream's CHSEL (RM0385 §8.3.3), not through a DMAMUX: `rx_dma_routes`
(set by the chip, sim/chips/stm32f74x.py) lists the (DMA, stream, channel) that can serve this USART's RX."""
from __future__ import annotations

from ..periph.usart import ISR_REACK, ISR_RXFF, ISR_TXFE, Usart
from ..regs import RO, WO, Field, Reg
from .reset_line import HeldInReset


class UsartF7(HeldInReset, Usart):
    """Also silent while its RCC reset bit is held (APB2RSTR)."""
    C_PREFIX = "USART"
    REGS = (
        Reg("CR1", 0x00, fields=tuple(Field(n, i) for i, n in enumerate(
            ("UE", None, "RE", "TE", "IDLEIE", "RXNEIE", "TCIE", "TXEIE", "PEIE", "PS", "PCE", "WAKE", "M0",
             "MME", "CMIE", "OVER8")) if n) + (
            Field("DEDT", 16, 5), Field("DEAT", 21, 5), Field("RTOIE", 26), Field("EOBIE", 27), Field("M1", 28))),
        Reg("CR2", 0x04), Reg("CR3", 0x08), Reg("BRR", 0x0C, fields=(Field("BRR", 0, 16),)),
        Reg("GTPR", 0x10), Reg("RTOR", 0x14), Reg("RQR", 0x18, access=WO),
        Reg("ISR", 0x1C, reset=0xC0, access=RO), Reg("ICR", 0x20, access=WO),
        Reg("RDR", 0x24, access=RO, fields=(Field("RDR", 0, 9),)), Reg("TDR", 0x28, fields=(Field("TDR", 0, 9),)),
    )
    _has_presc = False
    rx_dma_routes: tuple[tuple[str, int, int], ...] = ()

    def _rx_dma_target(self):
        """The first enabled stream whose CHSEL selects this USART's RX request, with PAR at RDR."""
        if not self.values[0x08] >> 6 & 1 or not self._enabled("RE") or not self.clocked():
            return None     # CR3.DMAR (RM0385 §31.8.3) off, receiver off or unclocked
        if not self._pins_ok(self.rx_pins):
            return None
        for dma_name, n, channel in self.rx_dma_routes:
            dma = getattr(self.board, dma_name.lower(), None)
            if dma is None or not dma.serves(n, channel):
                continue
            if self._par_at_rdr(dma, n):
                return dma, n
        return None

    def read_ISR(self, value):
        return super().read_ISR(value) & ~(ISR_REACK | ISR_TXFE | ISR_RXFF)
