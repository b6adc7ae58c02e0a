"""The OCTOSPI side of the H72x/H73x (RM0468 OCTOSPI and OCTOSPIM chapters): OCTOSPI1 (window 0x90000000),
OCTOSPI2 (window 0x70000000) and the OCTOSPIM between them and the pins, with the devices the board's data
wires to them: Board.nor (the NOR, its part and controller) and Board.ext_ram (an external RAM). Which device
hangs on which controller is the board's (host/stm32boot/boards/<board>.py), never decided here.

`add_ospi(machine, nor_profile="typical")` is the one call the chip (sim/chips/stm32h73x.py) makes. The
NOR's contents live in the machine's state directory as a sparse blob when there is one (B's state API),
so they survive between runs; an external RAM is volatile.
"""
from __future__ import annotations

from ..devices.hyperram import S70KL1281
from ..devices.mx25lm import MX25LM51245G
from .octospi import Octospi
from .octospim import Octospim

# The controllers (RM0468 §2.3 memory map): register base, memory-mapped window, RCC AHB3ENR gate bit.
CONTROLLERS = {
    "OCTOSPI1": (0x5200_5000, 0x9000_0000, ("AHB3ENR", 14)),
    "OCTOSPI2": (0x5200_A000, 0x7000_0000, ("AHB3ENR", 19)),
}
NOR_MODELS = {"mx25lm51245g": (MX25LM51245G, 64 << 20)}   # part: (model, bytes)
RAM_MODELS = {"s70kl1281": S70KL1281}


def _make_nor(m, part, nor_profile):
    if part not in NOR_MODELS:
        raise ValueError(f"no OCTOSPI NOR model {part!r} (known: {', '.join(NOR_MODELS)})")
    cls, size = NOR_MODELS[part]
    state = getattr(m, "state", None)
    mem = state.blob("nor", size, sparse=True) if state is not None else None
    nor = cls(m.clock, size=size, profile=nor_profile, mem=mem)
    if state is not None:
        nor.stored.append(lambda lo, hi: state.wrote("nor", lo, hi - lo))   # durable at once
    return nor


def _make_ram(m, part):
    if part not in RAM_MODELS:
        raise ValueError(f"no OCTOSPI RAM model {part!r} (known: {', '.join(RAM_MODELS)})")
    return RAM_MODELS[part](m.clock)


def add_ospi(m, nor_profile: str = "typical"):
    board = m.board
    nor = ram = None
    devices, pins = {}, {}
    if board.nor is not None:
        nor = _make_nor(m, getattr(m, "nor_part", None) or board.nor.default, nor_profile)
        devices[board.nor.controller], pins[board.nor.controller] = nor, board.nor.pins
    if board.ext_ram is not None:
        ram = _make_ram(m, board.ext_ram.part)
        devices[board.ext_ram.controller], pins[board.ext_ram.controller] = ram, board.ext_ram.pins
    unknown = set(devices) - set(CONTROLLERS)
    if unknown:
        raise ValueError(f"the {board.title} wires a device to {', '.join(sorted(unknown))}: this chip's "
                         f"external-memory controllers are {', '.join(CONTROLLERS)}")
    ctl = {}
    for name, (base, window, gate) in CONTROLLERS.items():
        ctl[name] = Octospi(name, base, window, device=devices.get(name), machine=m, clock_gate=gate)
        ctl[name].pins = pins.get(name, ())
    o1, o2 = ctl["OCTOSPI1"], ctl["OCTOSPI2"]
    om = Octospim("OCTOSPIM", 0x5200_B400, clock_gate=("AHB3ENR", 21))
    for p in (o1, o2, om):
        m.add(p)
    om.connect(o1, o2)
    m.nor, m.ext_ram = nor, ram

    def explain(addr, access):
        return o1.fault_hint(addr) or o2.fault_hint(addr)

    if hasattr(m, "add_fault_explainer"):
        m.add_fault_explainer(explain)

    if nor is not None:
        nor_ctl = ctl[board.nor.controller]
        nor_base, nor_size = nor_ctl.window.base, nor.size

        def load_nor(addr, data):
            """ELF segments linked into the NOR window: as if programmed (bits only cleared)."""
            off = addr - nor_base
            for i, b in enumerate(data):
                nor.mem[off + i] &= b
            nor.changed(off, off + len(data))
            for fn in nor.stored:
                fn(off, off + len(data))

        if hasattr(m, "register_loader"):
            m.register_loader(nor_base, nor_size, load_nor)
    return o1, o2, om
