"""GPIO ports (RM0468, GPIO chapter): one model per port A..H, J, K with the real reset values.

`pin_function(machine_or_ports, "PD8") -> ("af", 7) | ("input", None) | ("output", level) | ("analog", None)`
tells the UART model whether its pins are routed. IDR reflects ODR for outputs, pulls for unconnected
inputs, and `port.drive(pin, level)` for inputs a test drives. LCKR is stored but locking is not enforced.
"""
from __future__ import annotations

from ..regs import RO, WO, Peripheral, Reg

PORTS = "ABCDEFGHJK"
PORT_INDEX = {p: i for i, p in enumerate("ABCDEFGHIJK")}   # the H735 has no port I: J = 9, K = 10
GPIOA_BASE = 0x5802_0000
# Debug pins (PA13-15, PB3-4) leave reset as AF/pulled [RM?, as on other STM32s].
RESETS = {"A": (0xABFFFFFF, 0x0C000000, 0x64000000), "B": (0xFFFFFEBF, 0x000000C0, 0x00000100)}
MODES = ("input", "output", "af", "analog")


class GpioPort(Peripheral):
    C_PREFIX = "GPIO"
    REGS = (
        Reg("MODER", 0x00, reset=0xFFFFFFFF), Reg("OTYPER", 0x04), Reg("OSPEEDR", 0x08), Reg("PUPDR", 0x0C),
        Reg("IDR", 0x10, access=RO), Reg("ODR", 0x14), Reg("BSRR", 0x18, access=WO), Reg("LCKR", 0x1C),
        Reg("AFRL", 0x20), Reg("AFRH", 0x24),
    )

    def __init__(self, letter: str, board=None, base=GPIOA_BASE, gate_reg="AHB4ENR", resets=None, default=None):
        """base/gate_reg/resets/default: the chip's GPIOA base, RCC enable register (bit = port index),
        per-port (MODER, OSPEEDR, PUPDR) reset values and the value of the other ports (H7 defaults)."""
        self.letter = letter.upper()
        idx = PORT_INDEX[self.letter]
        self.inputs: dict[int, int] = {}   # pin -> level driven from outside
        self._resets = RESETS if resets is None else resets
        self._default = (0xFFFFFFFF, 0, 0) if default is None else default
        super().__init__(f"GPIO{self.letter}", base + 0x400 * idx, board, clock_gate=(gate_reg, idx))

    gen = 0    # bumped on every change of the port's registers: routing checks cache on it (PinRouting)

    def bus_write(self, offset, size, value):
        super().bus_write(offset, size, value)
        self.gen += 1

    def set(self, name, value=None, **fields):
        super().set(name, value, **fields)
        self.gen += 1

    def reset(self):
        super().reset()
        self.gen += 1
        moder, ospeedr, pupdr = self._resets.get(self.letter, self._default)
        self.set("MODER", moder)
        self.set("OSPEEDR", ospeedr)
        self.set("PUPDR", pupdr)

    def write_BSRR(self, old, new):
        odr = self.get("ODR") | (new & 0xFFFF)
        odr &= ~((new >> 16) & ~new & 0xFFFF)   # set wins when both bits are written (RM)
        self.set("ODR", odr)

    def read_IDR(self, value):
        out = 0
        for pin in range(16):
            out |= self.level(pin) << pin
        return out

    def drive(self, pin: int, level: int | None) -> None:
        if level is None:
            self.inputs.pop(pin, None)
        else:
            self.inputs[pin] = int(bool(level))

    def mode(self, pin: int) -> str:
        return MODES[self.get("MODER") >> (2 * pin) & 3]

    def af(self, pin: int) -> int:
        reg = "AFRL" if pin < 8 else "AFRH"
        return self.get(reg) >> (4 * (pin & 7)) & 0xF

    def level(self, pin: int) -> int:
        mode = self.mode(pin)
        if mode == "output":
            return self.get("ODR") >> pin & 1
        if mode == "analog":
            return 0
        if pin in self.inputs:
            return self.inputs[pin]
        return 1 if (self.get("PUPDR") >> (2 * pin) & 3) == 1 else 0

    def pin_function(self, pin: int):
        if not self.clocked():
            return ("analog", None)   # port clock off: the pin keeps its reset (analog) function
        mode = self.mode(pin)
        if mode == "af":
            return ("af", self.af(pin))
        if mode == "output":
            return ("output", self.get("ODR") >> pin & 1)
        return (mode, None)


def make_ports(board=None, letters=PORTS, **chip) -> list[GpioPort]:
    return [GpioPort(p, board, **chip) for p in letters]


def parse_pin(name: str) -> tuple[str, int]:
    name = name.upper()
    if len(name) < 3 or name[0] != "P" or name[1] not in PORT_INDEX or not name[2:].isdigit() or int(name[2:]) > 15:
        raise ValueError(f"bad pin name {name!r}: expected like 'PD8' (ports {', '.join(PORTS)})")
    return name[1], int(name[2:])


def find_port(machine, letter: str) -> GpioPort | None:
    port = getattr(machine, f"gpio{letter.lower()}", None)
    if port is None:
        for p in getattr(getattr(machine, "bus", None), "peripherals", ()):
            if isinstance(p, GpioPort) and p.letter == letter:
                return p
    return port


def pin_function(machine, name: str):
    letter, pin = parse_pin(name)
    port = find_port(machine, letter)
    if port is None:
        raise LookupError(f"no GPIO{letter} model on this machine")
    return port.pin_function(pin)


def routing_state(ports) -> tuple:
    """What a pin check depends on: each port's registers (their change count) and its clock."""
    return tuple((p.gen, p.clocked()) for p in ports)


class PinRouting:
    """A controller's wired pins (signal, pin name, AF) as the board routes them, checked the way silicon
    behaves: a signal whose pin is not in its alternate function never reaches the device. Resolved to
    port models once; without GPIO models (a bare controller in unit tests) nothing is checked. A check
    is computed again only when one of its ports changed (a register written, its clock switched)."""

    def __init__(self, machine, pins):
        self.machine, self.pins, self._ports = machine, tuple(pins), None
        self._distinct = ()
        self._cache: dict = {}
        self._state = None

    def missing(self, io_lines: int, dqs: bool = False) -> list[str]:
        """The pins this access needs (CLK, NCS, IO0..IO<io_lines-1>, DQS when sampled) that are not
        in their alternate function, as "CLK PF10 is AF10, needs AF9"."""
        if self._ports is None:
            found = []
            for sig, name, af in self.pins:
                letter, n = parse_pin(name)
                port = find_port(self.machine, letter) if self.machine is not None else None
                if port is None:
                    found = []
                    break
                found.append((sig, name, port, n, af))
            self._ports = found
            self._distinct = tuple({id(port): port for _, _, port, _, _ in found}.values())
        state = routing_state(self._distinct)
        if state != self._state:
            self._state, self._cache = state, {}
        hit = self._cache.get((io_lines, dqs))
        if hit is not None:
            return list(hit)
        out = self._check(io_lines, dqs)
        self._cache[(io_lines, dqs)] = tuple(out)
        return out

    def _check(self, io_lines: int, dqs: bool) -> list[str]:
        out = []
        for sig, name, port, n, af in self._ports:
            if sig.startswith("IO") and int(sig[2:]) >= io_lines or sig == "DQS" and not dqs:
                continue
            got = port.pin_function(n)
            if got != ("af", af):
                has = f"AF{got[1]}" if got[0] == "af" else got[0]
                out.append(f"{sig} {name} is {has}, needs AF{af}")
        return out
