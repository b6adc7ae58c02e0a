"""`--before`: drive the adapter's modem lines to put the chip into its ROM bootloader, for adapters
wired the common way (RTS -> BOOT0, DTR -> NRST; the adapter inverts, so an asserted line is a low
pin unless the board adds its own inverter). AN2606 §"Bootloader activation": BOOT0 must be high
while NRST rises; detection is armed once per reset.

A sequence is comma-separated steps: rts / -rts, dtr / -dtr (assert / release), break (250 ms),
wait:MS. Named ones: `rts-boot0` (RTS drives BOOT0, DTR drives NRST) and `none` (the default).
"""
from __future__ import annotations

from .client import RomError

PRESETS = {
    "none": "",
    # BOOT0 high, NRST low for 100 ms, release, give the loader its start-up time (AN2606 timings).
    "rts-boot0": "rts,dtr,wait:100,-dtr,wait:100",
    "dtr-boot0": "dtr,rts,wait:100,-rts,wait:100",
}


class BeforeError(RomError):
    pass


def parse(spec: str | None) -> list[tuple[str, object]]:
    spec = PRESETS.get(spec or "none", spec)
    steps = []
    for tok in filter(None, (s.strip() for s in spec.split(","))):
        if tok in ("rts", "-rts", "dtr", "-dtr"):
            steps.append((tok.lstrip("-"), not tok.startswith("-")))
        elif tok == "break":
            steps.append(("break", 0.25))
        elif tok.startswith("wait:") and tok[5:].isdigit():
            steps.append(("wait", int(tok[5:]) / 1000))
        else:
            raise BeforeError(f"--before: cannot read step {tok!r}; use rts, -rts, dtr, -dtr, break, "
                              f"wait:MS separated by commas, or one of: {', '.join(PRESETS)}")
    return steps


def run(transport, steps) -> None:
    for what, arg in steps:
        if what == "rts":
            transport.set_rts(arg)
        elif what == "dtr":
            transport.set_dtr(arg)
        elif what == "break":
            transport.send_break(arg)
        else:
            transport.advance(arg)
