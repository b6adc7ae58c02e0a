"""STM32H735G-DK wiring: which model sits at which base (h735-hardware.md §1, §5).

`build(...)` is how every tool and test gets a simulated board:

    m = build(state_dir=None, blank=False, strict=False, uart=None)
    state_dir=None  volatile board (tests): erased flash, nothing saved
    state_dir=PATH  non-volatile state in PATH (the CLI passes state.default_dir("h735"))
    blank=True      start erased even if PATH holds a state
    uart            a ByteChannel for USART3 (the ST-LINK virtual COM port), or None

SoC models are added here, one line each.
"""
from __future__ import annotations

from ..boards import get as get_board
from .machine import Machine
from .periph import dbgmcu, dma, dmamux, flash, gpio, hash, ospi_board, pwr, rcc, usart
from .state import SimState

BOARD = "h735"


def _add_soc(m: Machine, uart) -> None:
    m.add(rcc.Rcc("RCC", 0x5802_4400, hse_hz=m.board.hse_hz))
    m.add(pwr.Pwr("PWR", 0x5802_4800))
    for port in gpio.make_ports():
        m.add(port)
    m.add(flash.Flash("FLASH", 0x5200_2000))
    m.add(dbgmcu.Dbgmcu("DBGMCU", 0x5C00_1000, dev_id=m.board.dev_id))
    u3 = m.add(usart.Usart("USART3"))           # ST-LINK virtual COM port, PD8/PD9 AF7 (§5)
    m.add(usart.Usart("USART1"))
    m.add(dma.Dma("DMA1", 0x4002_0000, gate_bit=0))   # RCC AHB1ENR DMA1EN b0 (SVD)
    m.add(dma.Dma("DMA2", 0x4002_0400, gate_bit=1))   # DMA2EN b1
    m.add(dmamux.Dmamux("DMAMUX1", 0x4002_0800))     # channels 0-7 -> DMA1, 8-15 -> DMA2
    if uart is not None:
        u3.attach(uart)
    m.add(hash.Hash("HASH", 0x4802_1400))     # SHA-256 unit (RM0468 §36), used by the release bootloader
    ospi_board.add_ospi(m)                      # OCTOSPI1 + MX25LM NOR, OCTOSPI2 + HyperRAM, OCTOSPIM


def build(state_dir=None, blank=False, strict=False, uart=None, fault_policy="stop", warn=print) -> Machine:
    board = get_board(BOARD)
    state = SimState.open(BOARD, state_dir, blank) if state_dir is not None else None
    try:
        m = Machine(board, state=state, strict=strict, fault_policy=fault_policy, warn=warn)
        _add_soc(m, uart)
        m.reset()
    except BaseException:
        if state is not None:
            state.close()
        raise
    return m
