"""Build the simulated machine of any board in the registry (stm32boot/boards/): the board names its chip
(sim/chips/<sim_chip>.py), the chip adds its models, the board's wiring picks the console USART, its pins
and the external NOR part.

    m = build(board, state_dir=None, blank=False, strict=False, uart=None, nor=None)
    board           a boards.Board or its name in the registry
    state_dir=None  volatile board (tests): erased flash, nothing saved
    state_dir=PATH  non-volatile state in PATH (the CLI passes state.default_dir(board.name))
    blank=True      start erased even if PATH holds a state
    uart            a ByteChannel for the board's console USART (m.console), or None
    nor             the external NOR part for boards fitted with several across revisions
                    (board.nor.parts); default: the part the state was made with, else the first
    boot0           True/False sets the BOOT0 pin (kept in the state, like a switch); None keeps it.
                    High: ST's ROM bootloader answers instead of the flash (sim/rom/), m.boot0
"""
from __future__ import annotations

from .. import boards
from . import chips
from .machine import Machine
from .state import SimState, StateError

NOR_KEY = "nor_part"   # state.values: the NOR part a state directory's board is fitted with


def resolve(board):
    return boards.get(board) if isinstance(board, str) else board


def nor_part(board, state, requested=None) -> str | None:
    """The NOR part to fit: the one asked for, else the state's, else the board's default."""
    if board.nor is None:
        if requested is not None:
            raise ValueError(f"the {board.name} has no external NOR (--nor {requested})")
        return None
    if requested is not None and requested not in board.nor.parts:
        raise ValueError(f"the {board.name} is fitted with {' or '.join(board.nor.parts)}, not {requested!r}")
    held = state.values.get(NOR_KEY) if state is not None else None
    if held is not None and requested is not None and held != requested:
        raise StateError(f"state directory {state.path} is a {board.name} fitted with the {held} NOR, not the "
                         f"{requested}; pass --blank to start over with the {requested} (or another --state)")
    part = requested or held or board.nor.default
    if state is not None:
        state.values[NOR_KEY] = part
    return part


def build(board, state_dir=None, blank=False, strict=False, uart=None, fault_policy="stop", warn=print,
          nor=None, boot0=None) -> Machine:
    board = resolve(board)
    chip = chips.get(board.sim_chip)
    state = SimState.open(board.name, state_dir, blank) if state_dir is not None else None
    try:
        part = nor_part(board, state, nor)
        m = Machine(board, chip=chip, state=state, strict=strict, fault_policy=fault_policy, warn=warn)
        m.nor_part = part
        chip.add_soc(m, board, uart=uart, nor_part=part)
        if state is not None and boot0 is not None:
            state.values["boot0"] = int(bool(boot0))
        m.boot0 = bool(boot0) if boot0 is not None else bool(state and state.values.get("boot0"))
        m.reset()
    except BaseException:
        if state is not None:
            state.close()
        raise
    return m
