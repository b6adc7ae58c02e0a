"""F7 DMA1/DMA2 (RM0385 §8): the same stream controller as the H7's DMA1/DMA2 (sim/periph/dma.py: the
stream logic, NDTR countdown, circular reload, HT/TC/TE flags, registers frozen while EN=1), on the F74x
register map. Two differences matter here:

- Request routing: no DMAMUX. Each stream picks one of 8 request lines with SxCR.CHSEL[27:25]; the table
  of which peripheral sits on which stream and channel (RM0385 §8.3.3 and its request mapping tables) is
  chip data (sim/chips/stm32f74x.py DMA_REQUESTS) read by the peripheral that raises the request
  (f7/usart.py).
- Reach (RM0385 §2.1, bus matrix): the DMA memory ports reach SRAM1, SRAM2 and also the DTCM, through the
  Cortex-M7 AHB slave port (AHBS); the ITCM RAM is CPU-only. A memory address outside RAM or in the ITCM
  stops the stream with TEIF at its first transfer.

SxCR bits 31:28 and 20 are reserved on the F74x (no TRBUFF): not in the field list, so they read 0.
Not modelled, as on the H7 model: FIFO packing, memory-to-peripheral and memory-to-memory transfers,
interrupts.
"""
from __future__ import annotations

from ..periph.dma import Dma, _REG_KINDS, register_map
from ..regs import Field
from .reset_line import HeldInReset

_CR_FIELDS = (Field("EN", 0), Field("DMEIE", 1), Field("TEIE", 2), Field("HTIE", 3), Field("TCIE", 4),
              Field("PFCTRL", 5), Field("DIR", 6, 2), Field("CIRC", 8), Field("PINC", 9), Field("MINC", 10),
              Field("PSIZE", 11, 2), Field("MSIZE", 13, 2), Field("PINCOS", 15), Field("PL", 16, 2),
              Field("DBM", 18), Field("CT", 19), Field("PBURST", 21, 2), Field("MBURST", 23, 2),
              Field("CHSEL", 25, 3))


class DmaF7(HeldInReset, Dma):
    """Also silent while its RCC reset bit is held (AHB1RSTR)."""
    C_PREFIX = "DMA"
    C_FIELD_ALIASES = {f"S{n}{k}": f"Sx{k}" for n in range(8) for k in _REG_KINDS}
    CPU_ONLY_RAM = ("ITCM",)
    REGS = register_map(_CR_FIELDS)

    def chsel(self, n) -> int:
        return self.cr(n) >> 25 & 7

    def serves(self, n, channel) -> bool:
        """Stream n is enabled, peripheral-to-memory and listens to request channel `channel`."""
        return self.clocked() and self.enabled(n) and self.p2m(n) and self.chsel(n) == channel


    def reset(self):
        """AHB1RSTR (RM0385 §5.3.5) stops every stream: a USART it served goes back to RDR (then ORE)."""
        linked = [s for s in getattr(self, "src", ()) if s is not None]
        super().reset()
        for usart in linked:
            usart.dma_update()
