"""Power cuts on the simulated board: the power fails during the N-th erase or program operation the
board's non-volatile memories start (internal flash sector/bank erase and flash-word program, NOR
sector/block/chip erase and page program), counted on the simulator's clock in the order they happen.

    pc = PowerCut.attach(machine, at=17, seed=3)   # at=None: only count (a dry run lists every operation)
    ... run the board ...                          # the 17th operation is interrupted:
    pc.fired, pc.ops[16]                           # ("nor", "program", offset, length)

The interrupted operation leaves what silicon may leave (docs/power-cuts.md states the model): a
program clears only part of the bits it should clear; an erase leaves a mix of erased bytes, old bytes
with some bits raised and (NOR: its pre-program phase) bytes with bits cleared. The result is written
to the state directory's journal like any completed operation, the state is then frozen (nothing after
the cut is durable, as nothing after it happens on a board without power) and the CPU stops. The
caller (a test's transport) raises PowerLost when it sees `fired`. Power-up is opening the same state
directory again. Deterministic: the same (at, seed) gives the same bytes.
"""
from __future__ import annotations

import random


class PowerLost(Exception):
    """The simulated board lost power (a PowerCut fired)."""


class PowerCut:
    def __init__(self, machine, at: int | None = None, seed: int = 0):
        self.m = machine
        self.at = at
        self.seed = seed
        self.ops: list[tuple[str, str, int, int]] = []   # (memory, kind, offset, length) in order
        self.fired = False
        self.cut_ps = None          # virtual time of the cut (start + a fraction of the operation)
        self.left: tuple[int, bytes] | None = None    # (offset, bytes the cut left) for reports

    @classmethod
    def attach(cls, machine, at: int | None = None, seed: int = 0) -> "PowerCut":
        pc = cls(machine, at, seed)
        machine.powercut = pc                   # periph/flash.py looks here
        nor = getattr(machine, "nor", None)
        if nor is not None:
            nor.power = pc                      # devices/mx25lm.py
        return pc

    def operation(self, dev, memory: str, kind: str, off: int, target: bytes, dur_ps: int) -> bool:
        """Called by a device model as an erase/program starts, with the bytes it would leave.
        False: proceed normally. True: the power failed during it (the array holds the partial result)."""
        if self.fired:
            return True
        self.ops.append((memory, kind, off, len(target)))
        if self.at is None or len(self.ops) != self.at:
            return False
        array = dev.memory if memory == "flash" else dev.mem
        rng = random.Random(self.seed * 1_000_003 + self.at)
        frac = rng.random()
        old = bytes(array[off:off + len(target)])
        left = (partial_program if kind == "program" else
                partial_erase_nor if memory == "nor" else partial_erase_flash)(old, target, frac, rng)
        array[off:off + len(target)] = left
        self.left = (off, left)
        self.cut_ps = self.m.clock.now + int(frac * dur_ps)
        st = getattr(self.m, "state", None)
        if st is not None:
            st.wrote(memory, off, len(target))  # what the cells hold when the power comes back
            st.frozen = True
        self.fired = True
        self.m.uc.emu_stop()
        return True


def partial_program(old: bytes, target: bytes, frac: float, rng: random.Random) -> bytes:
    """Programming only clears bits; cut part-way, each bit it should clear is cleared with
    probability `frac` (a cell's charge is either past the read threshold or not)."""
    out = bytearray(old)
    for i, (o, t) in enumerate(zip(old, target)):
        todo = o & ~t & 0xFF
        if todo:
            done = 0
            for b in range(8):
                if todo >> b & 1 and rng.random() < frac:
                    done |= 1 << b
            out[i] = o & ~done & 0xFF
    return bytes(out)


def partial_erase_flash(old: bytes, target: bytes, frac: float, rng: random.Random) -> bytes:
    """Internal flash sector erase cut part-way: the whole sector is erased at once, so each byte is
    either erased (probability `frac`) or its old value with some bits already raised."""
    out = bytearray(len(old))
    for i, o in enumerate(old):
        out[i] = target[i] if rng.random() < frac else (o | (rng.getrandbits(8) & rng.getrandbits(8)))
    return bytes(out)


def partial_erase_nor(old: bytes, target: bytes, frac: float, rng: random.Random) -> bytes:
    """NOR erase cut part-way: an erase first pre-programs every cell then erases (Macronix erase
    algorithm), so early cuts leave bytes with bits cleared, later ones a mix of erased and
    half-erased bytes."""
    out = bytearray(len(old))
    pre = frac < 0.3
    for i, o in enumerate(old):
        r = rng.getrandbits(8)
        if pre:
            out[i] = o & r
        else:
            out[i] = target[i] if rng.random() < frac else r
    return bytes(out)
