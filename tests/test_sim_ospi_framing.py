"""What the device on an OCTOSPI port receives, command after command, while the framing registers change
between commands: the controller decodes a framing once and reuses it, so every register the wire depends
on (CCR, TCR, IR, ABR, DCR1.MTYP, DCR3.CSBOUND, HLCR) must show in the next command, and a repeated
framing must carry the new address and data. Checked against a decode written here from RM0468's
OCTOSPI_CCR/TCR/DCR1/DCR3/HLCR field tables."""
import random

from stm32boot.sim.clock import Clock
from stm32boot.sim.devices.xfer import Device, Phase
from stm32boot.sim.periph.octospi import Octospi

CR, DCR1, DCR2, DCR3, SR, FCR, DLR, AR, DR = 0x0, 0x8, 0xC, 0x10, 0x20, 0x24, 0x40, 0x48, 0x50
CCR, TCR, IR, ABR, HLCR = 0x100, 0x108, 0x110, 0x120, 0x200
LINES = (0, 1, 2, 4, 8)


class Board:
    def __init__(self):
        self.clock = Clock()


class Recorder(Device):
    """Answers reads with a fixed pattern and keeps every transfer it was handed."""

    def __init__(self, clock):
        super().__init__(clock)
        self.got = []

    def transfer(self, t):
        self.got.append(t)
        return b"" if t.write else bytes(range(t.count))


def phase(ccr, mode, dtr, size, value):
    """RM0468 OCTOSPI_CCR: xMODE (3 bits: none, 1, 2, 4, 8 lines), xDTR, xSIZE (bytes - 1)."""
    lines = LINES[(ccr >> mode) & 7] if (ccr >> mode) & 7 < 5 else 0
    if not lines:
        return None
    n = ((ccr >> size) & 3) + 1
    return Phase(value & ((1 << 8 * n) - 1), n, lines, bool(ccr >> dtr & 1))


def expected(ccr, tcr, ir, abr, dcr1, dcr3, hlcr, addr, write, data, count):
    hyper = (dcr1 >> 24 & 7) in (4, 5)
    address = phase(ccr, 8, 11, 12, addr)
    if hyper and address is None:
        address = Phase(addr, 4, 8, True)
    csb = dcr3 >> 16 & 0x1F
    return dict(instruction=None if hyper else phase(ccr, 0, 3, 4, ir), address=address,
                alternate=phase(ccr, 16, 19, 20, abr), dummy=tcr & 0x1F, dqs=bool(ccr >> 29 & 1),
                data_lines=LINES[(ccr >> 24) & 7] if (ccr >> 24) & 7 < 5 else 0,
                data_dtr=bool(ccr >> 27 & 1), write=write, data=data, count=count, mtyp=dcr1 >> 24 & 7,
                cs_boundary=1 << csb if csb else 0, burst_start=None,
                latency=dict(tacc=hlcr >> 8 & 0xFF, fixed=bool(hlcr & 1), wzl=bool(hlcr >> 1 & 1),
                             trwr=hlcr >> 16 & 0xFF))


def test_every_command_reaches_the_device_with_the_framing_its_registers_held():
    board = Board()
    dev = Recorder(board.clock)
    o = Octospi("OCTOSPI1", 0x52005000, 0x90000000, board=board, device=dev)
    w = o.bus_write
    rnd = random.Random(17)
    w(DCR2, 4, 1)
    ccr, tcr, abr, hlcr = 0x0100_0101, 0, 0, 0     # instruction, address, data on one line
    dcr1, dcr3 = 25 << 16, 0
    checked = 0
    for k in range(300):
        # Change one framing register at a time (or none: the same framing again, new address/data).
        which = rnd.choice(("ccr", "tcr", "abr", "dcr1", "dcr3", "hlcr", "none", "none"))
        if which == "ccr":
            mode = rnd.choice((1, 2, 3, 4))
            ccr = (mode | rnd.choice((0, 1)) << 3 | rnd.randrange(4) << 4 | rnd.choice((0, mode)) << 8 |
                   rnd.choice((0, 1)) << 11 | rnd.randrange(4) << 12 | rnd.choice((0, 0, mode)) << 16 |
                   rnd.randrange(4) << 20 | mode << 24 | rnd.choice((0, 1)) << 27 | rnd.choice((0, 1)) << 29)
        elif which == "tcr":
            tcr = rnd.randrange(32)             # DCYC; DHQC stays 0 (it drops commands: other tests)
        elif which == "abr":
            abr = rnd.getrandbits(32)
        elif which == "dcr1":
            dcr1 = rnd.choice((0, 1, 2, 3)) << 24 | 25 << 16   # Micron/Macronix/standard/Macronix RAM
        elif which == "dcr3":
            dcr3 = rnd.choice((0, 0, 10, 12)) << 16             # CSBOUND
        elif which == "hlcr":
            hlcr = rnd.getrandbits(24) & 0xFFFF03
        write = rnd.random() < 0.5
        ir, addr = rnd.getrandbits(32), rnd.randrange(0, 1 << 24, 2)
        n = rnd.choice((2, 4, 16, 32))
        # EN=0 to configure (the controller drops DCR writes while a transfer runs anyway)
        w(CR, 4, 0)
        w(DCR1, 4, dcr1)
        w(DCR3, 4, dcr3)
        w(HLCR, 4, hlcr)
        w(CR, 4, 1 | (0 if write else 1) << 28)
        w(FCR, 4, 0x1B)
        w(DLR, 4, n - 1)
        w(TCR, 4, tcr)
        w(ABR, 4, abr)
        w(CCR, 4, ccr)
        before = len(dev.got)
        w(IR, 4, ir)
        if ccr >> 8 & 7:
            w(AR, 4, addr)
        data = bytes(rnd.getrandbits(8) for _ in range(n))
        if write:
            for i in range(0, n, 4):
                w(DR, 4, int.from_bytes(data[i:i + 4], "little"))
        else:
            for _ in range(n // 4):
                o.bus_read(DR, 4)
            for _ in range(n % 4):
                o.bus_read(DR, 1)
        board.clock.advance_to(board.clock.now + 10**9)
        assert not o.busy()
        got = dev.got[before:]
        a = addr if ccr >> 8 & 7 else o.values[AR]
        csb = 1 << (dcr3 >> 16) if dcr3 else 0
        whole = expected(ccr, tcr, ir, abr, dcr1, dcr3, hlcr, a, write, data if write else b"", 0 if write else n)
        if whole["data_dtr"] and whole["data_lines"] == 8 and whole["mtyp"] == 1 and write:
            whole["data"] = bytes(b for i in range(0, n, 2) for b in (data[i + 1], data[i]))  # Macronix D1/D0
        if csb and whole["address"] is not None and a // csb != (a + n - 1) // csb:
            assert len(got) == 2, f"command {k}: a transfer across a {csb}-byte CSBOUND must be split"
            got = got[:1]
            cut = (a // csb + 1) * csb - a
            whole["address"] = Phase(a, whole["address"].size, whole["address"].lines, whole["address"].dtr)
            whole["data"], whole["count"] = (whole["data"][:cut], 0) if write else (b"", cut)
        assert len(got) == 1, f"command {k}: {len(got)} transfers"
        t = got[0]
        for field, want in whole.items():
            assert getattr(t, field) == want, f"command {k} ({which} changed): {field} {getattr(t, field)!r} != {want!r}"
        checked += 1
    assert checked == 300
