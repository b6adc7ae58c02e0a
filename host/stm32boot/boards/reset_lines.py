"""How a board's own serial port can reset the chip: which of the port's modem lines is wired to NRST
(and to BOOT0, for ST's ROM bootloader), if any. Read by stm32boot.reset for `--before reset`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResetLines:
    port: str = ""                 # what the board's serial port is, for messages
    nrst: str | None = None        # "dtr" | "rts": the line that pulls NRST low when asserted; None: none
    boot0: str | None = None       # "dtr" | "rts": the line that drives BOOT0 high when asserted; None: none
    nrst_pin: str = ""             # where an adapter's line can reach NRST on this board (connector pin)
