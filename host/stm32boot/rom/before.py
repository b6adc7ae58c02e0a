"""`--before` for ST's ROM bootloader: drive the adapter's modem lines to put the chip into it, for
adapters wired the common way (RTS -> BOOT0, DTR -> NRST; the adapter inverts, so an asserted line is a
low pin unless the board adds its own inverter). AN2606 §"Bootloader activation": BOOT0 must be high
while NRST rises; detection is armed once per reset.

Line steps are stm32boot.reset's (shared with our bootloader's --before). Named sequences here:
`rts-boot0` (RTS drives BOOT0, DTR drives NRST), `dtr-boot0`, and `none` (the default; `default` and
`no-reset`, our bootloader's words for it, are taken too).
"""
from __future__ import annotations

from .. import reset
from .client import RomError

PRESETS = {
    "none": "",
    # BOOT0 high, NRST low for 100 ms, release, give the loader its start-up time (AN2606 timings).
    "rts-boot0": "rts,dtr,wait:100,-dtr,wait:100",
    "dtr-boot0": "dtr,rts,wait:100,-rts,wait:100",
}
SAME_AS_NONE = ("default", "no-reset")


class BeforeError(RomError):
    pass


def parse(spec: str | None) -> list[tuple[str, object]]:
    spec = "none" if spec in (None, *SAME_AS_NONE) else spec
    try:
        return reset.parse_steps(spec, PRESETS)
    except reset.LineError as e:
        raise BeforeError(str(e)) from None


def run(transport, steps) -> None:
    try:
        reset.run_steps(transport, steps)
    except reset.LineError as e:
        raise BeforeError(str(e)) from None
