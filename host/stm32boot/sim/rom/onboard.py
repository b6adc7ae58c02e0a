"""ST's ROM bootloader on a simulated board (BOOT0 high), found from data: the chip module names the model
that acts on its machine (`ROM_MODEL`, a module of this package defining `MachineChip`), and AN2606's
table for the chip's product ID (rom/devices.py) says on which USARTs and pins the ROM listens. The host
reaches it through the board's console (the ST-LINK virtual COM port) only when the console is wired to
one of those pins; otherwise the board has no ROM bootloader here.

Go hands the core over: MSP and PC from the vector table at the address, as the ROM does (AN3155 §3.5),
so our bootloader or application then runs on the simulated core.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from ... import boards
from ...rom.devices import DEVICES, Usart
from .. import chips
from ..clock import PS_PER_S
from .model import RomModel


@dataclass(frozen=True)
class OnBoardRom:
    board: boards.Board
    module: str         # sim/rom/<module>.py
    usart: Usart        # the ROM's USART the board's console is wired to

    @property
    def pins(self) -> str:
        return f"{self.usart.name} {self.usart.tx}/{self.usart.rx}"


def find(board) -> OnBoardRom | None:
    """The ROM bootloader a board's BOOT0 switch reaches through its console, or None."""
    board = boards.get(board) if isinstance(board, str) else board
    try:
        module = getattr(chips.get(board.sim_chip), "ROM_MODEL", None)
    except KeyError:
        return None
    dev = DEVICES.get(board.dev_id)
    if module is None or dev is None:
        return None
    c = board.console
    for u in dev.usarts:
        if (u.name, u.tx, u.rx) == (c.name, c.tx_pin, c.rx_pin):
            return OnBoardRom(board, module, u)
    return None


def names() -> list[str]:
    """The boards whose BOOT0 switch starts a ROM bootloader model."""
    return [n for n in boards.names() if find(n) is not None]


def rom_model(m) -> RomModel:
    """The ROM bootloader of machine `m`; Go jumps the core to the given vector table."""
    rom = find(m.board)
    if rom is None:
        raise ValueError(f"the simulated {m.board.title} has no ROM bootloader model on its console")
    chip = importlib.import_module(f"{__package__}.{rom.module}").MachineChip(m)
    model = RomModel(chip)

    def go(addr):
        from ..exceptions import cpu_reset
        m.rom_active = False
        cpu_reset(m, addr)
    model.on_go = go
    return model


def advance_machine(m, seconds: float) -> None:
    """The ROM's time was spent on the board's clock too."""
    m.clock.advance_to(m.clock.now + int(seconds * PS_PER_S))
