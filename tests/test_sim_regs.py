"""The declared-register framework: access rules, callbacks, clock gating, unmodelled accesses."""
from types import SimpleNamespace

import pytest

from stm32boot.sim.clock import Clock, us
from stm32boot.sim.regs import RO, RW, W1C, WO, Bus, Field, Peripheral, Reg, UnmodelledAccess


class Toy(Peripheral):
    REGS = (
        Reg("CR", 0x00, reset=0x1, fields=(Field("EN", 0), Field("MODE", 4, 3), Field("BUSY", 8, access=RO))),
        Reg("SR", 0x04, reset=0xC0, access=RO),
        Reg("ICR", 0x08, access=WO),
        Reg("FLAGS", 0x0C, reset=0xF, access=W1C),
        Reg("DR", 0x10),
    )

    def __init__(self, *a, **k):
        self.log = []
        super().__init__(*a, **k)

    def write_ICR(self, old, new):
        self.log.append(("ICR", new))
        self.set("SR", self.get("SR") & ~new)

    def read_DR(self, value):
        return value + 1


class FakeRcc:
    def __init__(self):
        self.enr = 0

    def get(self, name):
        assert name == "APB1LENR"
        return self.enr


def make(strict=True, gate=None):
    warnings = []
    board = SimpleNamespace(rcc=FakeRcc(), bus=Bus(strict=strict, pc=lambda: 0x08000123, warn=warnings.append))
    p = Toy("TOY", 0x40000000, board, clock_gate=gate)
    board.bus.add(p)
    return p, board, warnings


def test_reset_values_and_reserved_bits():
    p, _, _ = make()
    assert p.bus_read(0x00, 4) == 0x1
    p.bus_write(0x00, 4, 0xFFFFFFFF)
    # Only EN and MODE are writable; BUSY is read-only and the rest reserved.
    assert p.bus_read(0x00, 4) == 0x71
    assert p.get("CR", "MODE") == 7


def test_read_only_register_ignores_writes_but_model_can_set_it():
    p, _, _ = make()
    p.bus_write(0x04, 4, 0)
    assert p.bus_read(0x04, 4) == 0xC0
    p.set("SR", 0x40)
    assert p.bus_read(0x04, 4) == 0x40


def test_write_only_register_reads_zero_and_callback_sees_value():
    p, _, _ = make()
    p.bus_write(0x08, 4, 0x80)
    assert p.bus_read(0x08, 4) == 0
    assert p.log == [("ICR", 0x80)]
    assert p.get("SR") == 0x40


def test_w1c_clears_only_written_ones():
    p, _, _ = make()
    p.bus_write(0x0C, 4, 0x5)
    assert p.bus_read(0x0C, 4) == 0xA


def test_sub_word_access_uses_byte_lanes():
    p, _, _ = make()
    p.bus_write(0x10, 4, 0x11223344)
    assert p.bus_read(0x10, 1) == 0x45  # read callback adds 1 to the word
    p.bus_write(0x11, 1, 0xAA)
    assert p.get("DR") == 0x1122AA44
    assert p.bus_read(0x12, 2) == 0x1122


def test_clock_gate_off_reads_zero_and_ignores_writes():
    p, board, _ = make(gate=("APB1LENR", 18))
    assert p.bus_read(0x04, 4) == 0
    p.bus_write(0x10, 4, 5)
    board.rcc.enr = 1 << 18
    assert p.bus_read(0x04, 4) == 0xC0
    assert p.get("DR") == 0


def test_unmodelled_offset_is_an_error_in_strict_mode_naming_place_and_pc():
    p, _, _ = make(strict=True)
    with pytest.raises(UnmodelledAccess, match=r"TOY\+0x020.*PC=0x08000123"):
        p.bus_read(0x20, 4)


def test_unmodelled_offset_is_a_warning_once_otherwise():
    p, _, warnings = make(strict=False)
    assert p.bus_read(0x20, 4) == 0
    p.bus_read(0x20, 4)
    p.bus_write(0x24, 4, 1)
    assert len(warnings) == 2
    assert "TOY+0x020" in warnings[0] and "TOY+0x024" in warnings[1]


def test_bus_rejects_overlapping_models():
    bus = Bus(strict=True)
    bus.add(Toy("A", 0x1000))
    with pytest.raises(ValueError, match="overlaps"):
        bus.add(Toy("B", 0x1200))


def test_access_kinds_are_validated():
    with pytest.raises(AssertionError):
        Reg("X", 0, access="bogus")
    assert {RO, RW, WO, W1C} == {"ro", "rw", "wo", "w1c"}


def test_clock_fires_events_in_time_order_and_cancel():
    c = Clock()
    fired = []
    c.after(us(5), lambda: fired.append(("b", c.now)))
    c.after(us(1), lambda: fired.append(("a", c.now)))
    ev = c.after(us(3), lambda: fired.append(("x", c.now)))
    ev.cancel()
    c.advance_to(us(2))
    assert fired == [("a", us(1))] and c.now == us(2)
    assert c.warp_to_next_event() is True
    assert fired[-1] == ("b", us(5))
    assert c.warp_to_next_event() is False


def test_clock_refuses_the_past():
    with pytest.raises(ValueError):
        Clock().after(-1, lambda: None)
