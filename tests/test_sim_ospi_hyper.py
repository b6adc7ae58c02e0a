"""HyperRAM on OCTOSPI2 and the OCTOSPIM rules, driven at register level (no CPU)."""
import pytest

from stm32boot.sim.clock import Clock
from stm32boot.sim.devices.hyperram import S70KL1281
from stm32boot.sim.devices.mx25lm import MX25LM51245G
from stm32boot.sim.periph.octospi import Octospi
from stm32boot.sim.periph.octospim import Octospim
from stm32boot.sim.periph.ospi_window import WindowFault

CR, DCR1, DCR2, DCR3, DCR4, SR, FCR, DLR, AR, DR = 0x0, 0x8, 0xC, 0x10, 0x14, 0x20, 0x24, 0x40, 0x48, 0x50
CCR, TCR, IR, WCCR, HLCR = 0x100, 0x108, 0x110, 0x180, 0x200
HYPER_CCR = 0x2C00_3C00  # ST's BSP value (docs/hardware-notes.md)


class Board:
    def __init__(self):
        self.clock = Clock()


def hyper_setup(tacc=6, wccr=HYPER_CCR):
    b = Board()
    ram = S70KL1281(b.clock)
    o = Octospi("OCTOSPI2", 0x5200A000, 0x70000000, board=b, device=ram)
    for off, v in ((DCR1, 0x0417_0300), (DCR2, 1), (DCR3, 0x0017_0000), (DCR4, 0x190),
                   (TCR, 1 << 28), (HLCR, 0x0003_0001 | tacc << 8), (CCR, HYPER_CCR), (WCCR, wccr)):
        o.bus_write(off, 4, v)
    return b, ram, o


def test_hyperram_memory_mapped_read_write():
    b, ram, o = hyper_setup()
    o.bus_write(CR, 4, 0x3000_0001)
    assert o.window.kind == "direct"
    o.window.write(0x10, b"hello HyperRAM!!")
    assert o.window.read(0x10, 16) == b"hello HyperRAM!!"
    assert bytes(ram.mem[0x10:0x15]) == b"hello"


def test_hyperram_register_space_id0():
    b, ram, o = hyper_setup()
    o.bus_write(DCR1, 4, 0x0517_0300)  # MTYP=101 register space
    o.bus_write(DLR, 4, 1)
    o.bus_write(CR, 4, 0x1000_0001)    # indirect read: starts on AR
    o.bus_write(AR, 4, 0x0)
    got = bytes(o.bus_read(DR, 1) for _ in range(2))
    assert got == b"\x0c\x81"


def test_hyperram_wrong_latency_shifts_and_mm_write_without_dqs_faults():
    b, ram, o = hyper_setup(tacc=5)
    ram.mem[0:8] = bytes(range(1, 9))
    o.bus_write(CR, 4, 0x3000_0001)
    assert o.window.kind == "slow"
    assert o.window.read(0, 8) == bytes(4) + bytes(range(1, 5))  # 2 clocks short x 2 bytes
    assert "latency" in ram.trace[-1]
    b, ram, o = hyper_setup(wccr=HYPER_CCR & ~(1 << 29))
    o.bus_write(CR, 4, 0x3000_0001)
    with pytest.raises(WindowFault):
        o.window.write(0, b"\0\0")
    assert "WCCR.DQSE=0" in " ".join(o.trace)


def nor_pair():
    b = Board()
    nor = MX25LM51245G(b.clock, size=1 << 20, profile="zero")
    o1 = Octospi("OCTOSPI1", 0x52005000, 0x90000000, board=b, device=nor)
    o2 = Octospi("OCTOSPI2", 0x5200A000, 0x70000000, board=b, device=S70KL1281(b.clock))
    m = Octospim(board=b)
    m.connect(o1, o2)
    o1.bus_write(DCR1, 4, 0x0013_0100)
    o1.bus_write(CCR, 4, 0x0100_3101)   # SPI 4-byte fast read 0x0C, 8 dummy (docs/hardware-notes.md)
    o1.bus_write(TCR, 4, 8)
    o1.bus_write(IR, 4, 0x0C)
    nor.mem[0:4] = b"\x12\x34\x56\x78"
    return nor, o1, o2, m


def test_ospim_write_while_mapped_kills_window_with_named_reason():
    nor, o1, o2, m = nor_pair()
    o1.bus_write(CR, 4, 0x3000_0001)
    assert o1.window.read(0, 4) == b"\x12\x34\x56\x78"
    m.bus_write(0x08, 4, 0x0705_0333)   # rewrite P2CR (same value) while OCTOSPI1 is mapped
    with pytest.raises(WindowFault, match=r"OCTOSPIM P2CR written while OCTOSPI1 is memory-mapped"):
        o1.window.read(0, 4)
    assert "OCTOSPIM P2CR" in o1.fault_hint(0x90000000)
    o1.bus_write(CR, 4, 0x3000_0003)    # ABORT recovers
    assert o1.window.read(0, 4) == b"\x12\x34\x56\x78"


def test_ospim_hal_style_disable_then_reconfigure_still_faults():
    nor, o1, o2, m = nor_pair()
    o1.bus_write(CR, 4, 0x3000_0001)
    o1.bus_write(CR, 4, 0x3000_0000)    # HAL_OSPIM_Config: EN=0, no ABORT
    m.bus_write(0x04, 4, 0x0301_0111)
    o1.bus_write(CR, 4, 0x3000_0001)    # re-enabled: window stays dead
    with pytest.raises(WindowFault, match="EN cleared without ABORT"):
        o1.window.read(0, 4)


def test_ospim_wrong_routing_talks_to_nothing():
    nor, o1, o2, m = nor_pair()
    m.bus_write(0x04, 4, 0x0501_0111)   # port 1 IO[7:4] from OCTOSPI2 IO[3:0]: illegal for OCTOSPI1
    o1.bus_write(CR, 4, 0x1000_0001)
    o1.bus_write(DLR, 4, 3)
    o1.bus_write(AR, 4, 0)
    assert bytes(o1.bus_read(DR, 1) for _ in range(4)) == b"\xff" * 4
    assert "does not route OCTOSPI1 IO[7:4]" in o1.trace[-1]
