"""A machine-shaped stand-in for unit-testing the SoC models without the CPU: clock, strict bus, models."""
from types import SimpleNamespace

from stm32boot.sim.channels import InProcessChannel
from stm32boot.sim.clock import Clock
from stm32boot.sim.periph.flash import Flash
from stm32boot.sim.periph.gpio import make_ports
from stm32boot.sim.periph.pwr import Pwr
from stm32boot.sim.periph.rcc import Rcc
from stm32boot.sim.periph.usart import Usart
from stm32boot.sim.regs import Bus
from stm32boot.sim.chips.stm32h73x import USARTS


def make_soc(profile="typ"):
    warnings = []
    m = SimpleNamespace(clock=Clock(), bus=Bus(strict=True, warn=warnings.append), warn=warnings.append,
                        warnings=warnings, idle_sources=[], changed=[], board=SimpleNamespace(hse_hz=25_000_000),
                        flash=SimpleNamespace(buf=bytearray(b"\xff" * 0x100000)))
    m.flash_changed = lambda lo, hi: m.changed.append((lo, hi))
    m.rcc = Rcc(board=m)
    m.pwr = Pwr(board=m)
    for p in make_ports(m):
        setattr(m, p.name.lower(), p)
        m.bus.add(p)
    m.usart3 = Usart("USART3", m, instance=USARTS["USART3"])
    m.usart1 = Usart("USART1", m, instance=USARTS["USART1"])
    m.flash_ctl = Flash(board=m, profile=profile)
    for p in (m.rcc, m.pwr, m.usart3, m.usart1, m.flash_ctl):
        m.bus.add(p)
    m.chan = InProcessChannel()
    m.usart3.attach(m.chan)
    return m


def rd(p, off):
    return p.bus_read(off, 4)


def wr(p, off, v):
    p.bus_write(off, 4, v)


def run_until(m, cond, limit_ps=10 ** 13):
    """Fire events until cond() holds (like a polling firmware whose reads warp time)."""
    while not cond():
        if not m.clock.warp_to_next_event() or m.clock.now > limit_ps:
            raise AssertionError("condition never became true")
