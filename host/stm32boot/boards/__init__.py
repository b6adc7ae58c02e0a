"""Boards are data: `get("h735")` returns a Board; nothing here subclasses per chip.

Every board is one module in this package defining BOARD; they are found by listing the package, so a new
board is a new file (see README "Adding a board")."""
from __future__ import annotations

import importlib
import pkgutil

from .model import Board, Memory, Nor, Uart  # noqa: F401


def _discover() -> dict[str, Board]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "model" or info.name.startswith("_"):
            continue
        b = getattr(importlib.import_module(f"{__name__}.{info.name}"), "BOARD", None)
        if isinstance(b, Board):
            found[b.name] = b
    return found


BOARDS = _discover()
DEFAULT = "h735"    # the board commands use when --board is not given


def names() -> list[str]:
    return sorted(BOARDS)


def get(name: str) -> Board:
    try:
        return BOARDS[name]
    except KeyError:
        known = ", ".join(sorted(BOARDS))
        raise KeyError(f"unknown board {name!r} (known boards: {known})") from None
