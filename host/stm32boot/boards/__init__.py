"""Boards are data: `get("h735")` returns a Board; nothing here subclasses per chip."""
from __future__ import annotations

from .model import Board, Memory, Uart  # noqa: F401
from . import h735

BOARDS = {b.name: b for b in (h735.BOARD,)}


def get(name: str) -> Board:
    try:
        return BOARDS[name]
    except KeyError:
        known = ", ".join(sorted(BOARDS))
        raise KeyError(f"unknown board {name!r} (known boards: {known})") from None
