"""The OCTOSPI side of the STM32H735G-DK (UM2679): OCTOSPI1 + MX25LM51245G on port 1
(window 0x90000000), OCTOSPI2 + S70KL1281 HyperRAM on port 2 (window 0x70000000), and OCTOSPIM.

`add_ospi(machine, nor_profile="typical")` is the one call the chip (sim/chips/stm32h73x.py) makes. The
NOR's 64 MB live in the machine's state directory as a sparse blob when there is one (B's state API),
so contents survive between runs; the HyperRAM is volatile.
"""
from __future__ import annotations

from ..devices.hyperram import S70KL1281
from ..devices.mx25lm import MX25LM51245G
from .octospi import Octospi
from .octospim import Octospim

NOR_BASE, HYPER_BASE = 0x9000_0000, 0x7000_0000
# The NOR's pins are the board's (Board.nor.pins). The HyperRAM's (STM32H735G-DK schematic in UM2679; AF
# numbers from the STM32H735 datasheet's alternate-function table): (signal, pin, AF).
HYPER_PINS = (("NCS", "PG12", 3), ("CLK", "PF4", 9), ("DQS", "PF12", 9), ("IO0", "PF0", 9), ("IO1", "PF1", 9),
              ("IO2", "PF2", 9), ("IO3", "PF3", 9), ("IO4", "PG0", 9), ("IO5", "PG1", 9), ("IO6", "PG10", 3),
              ("IO7", "PG11", 9))
NOR_SIZE = 64 << 20


def add_ospi(m, nor_profile: str = "typical"):
    state = getattr(m, "state", None)
    mem = state.blob("nor", NOR_SIZE, sparse=True) if state is not None else None
    nor = MX25LM51245G(m.clock, size=NOR_SIZE, profile=nor_profile, mem=mem)
    if state is not None:
        nor.stored.append(lambda lo, hi: state.wrote("nor", lo, hi - lo))   # durable at once
    ram = S70KL1281(m.clock)
    o1 = Octospi("OCTOSPI1", 0x5200_5000, NOR_BASE, device=nor, machine=m, clock_gate=("AHB3ENR", 14))
    o2 = Octospi("OCTOSPI2", 0x5200_A000, HYPER_BASE, device=ram, machine=m, clock_gate=("AHB3ENR", 19))
    om = Octospim("OCTOSPIM", 0x5200_B400, clock_gate=("AHB3ENR", 21))
    o1.pins, o2.pins = (m.board.nor.pins if m.board.nor else ()), HYPER_PINS
    for p in (o1, o2, om):
        m.add(p)
    om.connect(o1, o2)
    m.nor, m.hyperram = nor, ram

    def explain(addr, access):
        return o1.fault_hint(addr) or o2.fault_hint(addr)

    if hasattr(m, "add_fault_explainer"):
        m.add_fault_explainer(explain)

    def load_nor(addr, data):
        """ELF segments linked into the NOR window: as if programmed (bits only cleared)."""
        off = addr - NOR_BASE
        for i, b in enumerate(data):
            nor.mem[off + i] &= b
        nor.changed(off, off + len(data))
        for fn in nor.stored:
            fn(off, off + len(data))

    if hasattr(m, "register_loader"):
        m.register_loader(NOR_BASE, NOR_SIZE, load_nor)
    return o1, o2, om
