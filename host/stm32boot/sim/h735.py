"""The simulated STM32H735G-DK: `build(...)` is sim/board.py's build for the "h735" registry entry
(boards/h735.py), kept under this name for the tests and benches that are about this board."""
from __future__ import annotations

from functools import partial

from .board import build as _build

BOARD = "h735"
build = partial(_build, BOARD)
