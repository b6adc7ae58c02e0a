"""Simulated chips: one module per chip family member holding its facts (memory map, bus regions, reset
clock, which peripheral model sits at which base) and `add_soc(machine, board, uart, nor_part)`, which adds
those models and the board's wiring (console USART, external NOR) to a machine.

A chip module is plain data plus one function; it imports its models lazily so the host side (board
descriptions) can read the facts without loading the simulator.

Facts every chip module defines:
    CORE            "cortex-m7" (unicorn CPU model) and FPU ("fpv5-dp-d16" / "fpv5-sp-d16")
    FLASH           (base, size, sectors) of the internal flash, sectors as runs of (count, size)
    RAM             ((name, base, size), ...) plain RAM regions
    ROMS            ((name, base, size), ...) read-only regions (system memory, OTP, option bytes)
    ALIASES         ((name, base, target), ...) second mappings of FLASH or a ROM (e.g. the F7 ITCM alias)
    UID_ADDR, FLASHSIZE_ADDR   where the unique ID and the flash size (KB) live (inside a ROM)
    PERIPH_BLOCKS   ((base, size), ...) bus regions: an access nobody models there is reported
    RESET_SYSCLK_HZ the CPU clock out of reset (before the RCC model says otherwise)
    DEV_ID          DBGMCU_IDCODE.DEV_ID
Optional:
    ROM_MODEL       the module of sim/rom/ whose MachineChip lets ST's ROM bootloader model act on this
                    machine (BOOT0 high, sim/rom/onboard.py); absent: BOOT0 high runs no ROM model
"""
from __future__ import annotations

import importlib


def get(name: str):
    if not name:
        raise KeyError("the board names no simulated chip (Board.sim_chip is empty)")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError:
        raise KeyError(f"no simulated chip {name!r} (stm32boot/sim/chips/{name}.py)") from None
