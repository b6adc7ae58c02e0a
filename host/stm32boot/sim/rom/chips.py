"""Chip-only ROM bootloader models (no CPU program runs): the parts users bring, as data, with their
non-volatile state (flash, option bytes, how the adapter is wired) in a state directory like a board's.

    spec = CHIPS["f767"]; chip, model, state = open_chip("f767", state_dir)
The state's values say which pins the host adapter is wired to, the BOOT0 pin, and (F105/107) whether
PA9 is held high by USB VBUS.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from ...rom.devices import DEVICES
from ..state import SimState, default_dir
from .chip import Chip, erased_value, factory_options
from .model import RomModel


@dataclass(frozen=True)
class SimChip:
    name: str
    pid: int
    title: str


CHIPS = {c.name: c for c in (
    SimChip("f767", 0x451, "STM32F767ZI"),
    SimChip("f107", 0x418, "STM32F107VCT6"),
    SimChip("l151", 0x429, "STM32L151CBU6A (as on the RAK5205)"),
)}


def state_dir(name: str, path: str | None = None) -> str:
    """A chip's own directory: --state, else beside the boards' default ($STM32BOOT_SIM_STATE-rom-NAME)."""
    if path:
        return path
    env = os.environ.get("STM32BOOT_SIM_STATE")
    return f"{env}-rom-{name}" if env else default_dir(f"rom-{name}")


def open_chip(name: str, path: str | None = None, blank: bool = False):
    """(Chip, RomModel, SimState) for a chip model; the caller saves and closes the state."""
    spec = CHIPS[name]
    dev = DEVICES[spec.pid]
    st = SimState.open(f"rom-{name}", state_dir(name, path), blank)
    flash = st.blob("flash", dev.flash_size, erased=erased_value(dev))
    fresh = "options" not in st.values
    ob = st.blob("options", dev.ob_size)
    if fresh:
        ob[:] = factory_options(dev)
        st.values["options"] = 1
        st.mark_dirty("options")
    chip = Chip(dev, flash, ob)
    chip.changed = lambda: (st.mark_dirty("flash"), st.mark_dirty("options"))
    model = RomModel(chip, listening=wired_ok(dev, st.values.get("wired")),
                     boot0=st.values.get("boot0", 1) == 1)
    if st.values.get("pa9_high"):       # F105/107: USB VBUS on PA9 at reset (AN2606 timing table)
        model.extra_startup_s, model.extra_sync_s = 0.5230, 0.105
    return chip, model, st


def wired_ok(dev, wired: str | None) -> bool:
    """The host adapter on TX/RX pins one of the chip's bootloader USARTs uses (default: the first)."""
    if not wired:
        return True
    tx, _, rx = wired.upper().partition("/")
    return any(u.tx == tx and u.rx == rx for u in dev.usarts)
