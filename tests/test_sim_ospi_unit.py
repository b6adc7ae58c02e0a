"""OCTOSPI controller + MX25LM51245G driven register by register, the way a driver would (no CPU).

Register values follow ST's BSP (docs/hardware-notes.md), so these double as executable notes of
what a correct driver writes, and the failures show what the wrong values do.
"""
import pytest

from stm32boot.sim.clock import Clock, ms
from stm32boot.sim.devices.mx25lm import MX25LM51245G
from stm32boot.sim.periph.octospi import Octospi
from stm32boot.sim.periph.ospi_window import WindowFault

CR, DCR1, DCR2, SR, FCR, DLR, AR, DR = 0x0, 0x8, 0xC, 0x20, 0x24, 0x40, 0x48, 0x50
PSMKR, PSMAR, PIR, CCR, TCR, IR, WCCR = 0x80, 0x88, 0x90, 0x100, 0x108, 0x110, 0x180
TCF, SMF, BUSY, TEF = 2, 8, 0x20, 1
SPI = dict(imode=1, admode=1, dmode=1, dtr=False, isize=0, mtyp=0, dhqc=False)
DOPI = dict(imode=4, admode=4, dmode=4, dtr=True, isize=1, mtyp=1, dhqc=True)


class Board:
    def __init__(self):
        self.clock = Clock()


class Drv:
    """A minimal polling driver over the model's bus interface (HAL order; RM0468, OCTOSPI chapter, command start rules)."""

    def __init__(self, profile="zero"):
        self.board = Board()
        self.nor = MX25LM51245G(self.board.clock, size=1 << 20, profile=profile)
        self.o = Octospi("OCTOSPI1", 0x52005000, 0x90000000, board=self.board, device=self.nor)
        self.mode = SPI
        self.w(DCR2, 1)
        self.setup(SPI)

    def w(self, off, v, size=4):
        self.o.bus_write(off, size, v)

    def r(self, off, size=4):
        return self.o.bus_read(off, size)

    def setup(self, m):
        self.mode = m
        self.w(CR, 0)
        self.w(DCR1, (m["mtyp"] << 24) | (19 << 16) | (1 << 8))
        self.w(TCR, (1 << 28) if m["dhqc"] else 0)
        self.w(CR, 0x301)

    def wait(self, bit):
        for _ in range(1000):
            if self.r(SR) & bit:
                return
            self.board.clock.warp_to_next_event()
        raise AssertionError(f"SR bit {bit:#x} never set (SR={self.r(SR):#x})")

    def ccr(self, addr=True, data=True, dqs=False, asize=None):
        m = self.mode
        d = (1 << 3 | 1 << 11 | 1 << 27) if m["dtr"] else 0
        asize = (3 if m["isize"] else 2) if asize is None else asize
        v = m["imode"] | (m["isize"] << 4) | d
        if addr:
            v |= (m["admode"] << 8) | (asize << 12)
        if data:
            v |= m["dmode"] << 24
        if dqs:
            v |= 1 << 29
        return v if (data or not m["dtr"]) else v & ~(1 << 27) | (1 << 27)

    def op(self, opc):
        return (opc << 8 | (opc ^ 0xFF)) if self.mode["isize"] else opc

    def cmd(self, opc, addr=None, asize=None):
        self.w(CR, self.r(CR) & ~(3 << 28))
        self.w(CCR, self.ccr(addr is not None, False, asize=asize))
        self.w(TCR, (self.r(TCR) & ~0x1F))
        self.w(IR, self.op(opc))
        if addr is not None:
            self.w(AR, addr)
        self.wait(TCF)
        self.w(FCR, TCF)

    def write(self, opc, addr, data, asize=None):
        self.w(CR, self.r(CR) & ~(3 << 28))
        self.w(CCR, self.ccr(addr is not None, True, asize=asize))
        self.w(DLR, len(data) - 1)
        self.w(IR, self.op(opc))
        if addr is not None:
            self.w(AR, addr)
        for b in data:
            self.w(DR, b, 1)
        self.wait(TCF)
        self.w(FCR, TCF)

    def read(self, opc, addr, n, dummy=0, dqs=None, asize=None):
        dqs = self.mode["dtr"] if dqs is None else dqs
        self.w(CR, self.r(CR) & ~(3 << 28))
        self.w(CCR, self.ccr(addr is not None, True, dqs=dqs, asize=asize))
        self.w(TCR, (self.r(TCR) & ~0x1F) | dummy)
        self.w(DLR, n - 1)
        self.w(CR, (self.r(CR) & ~(3 << 28)) | (1 << 28))
        self.w(IR, self.op(opc))
        if addr is not None:
            self.w(AR, addr)
        out = bytes(self.r(DR, 1) for _ in range(n))
        self.wait(TCF)
        self.w(FCR, TCF)
        return out

    def poll_wip(self, dummy=0):
        m = self.mode
        self.w(CR, self.r(CR) & ~(3 << 28))
        self.w(CCR, self.ccr(m["isize"] == 1, True, dqs=m["dtr"]))
        self.w(TCR, (self.r(TCR) & ~0x1F) | dummy)
        self.w(DLR, 1 if m["dtr"] else 0)
        self.w(PSMKR, 1)
        self.w(PSMAR, 0)
        self.w(PIR, 0x10)
        self.w(CR, (self.r(CR) & ~(3 << 28)) | (2 << 28) | (1 << 22))
        self.w(IR, self.op(0x05))
        if m["isize"]:
            self.w(AR, 0)
        self.wait(SMF)
        self.w(FCR, SMF)


def enter_dopi(d, dc=7):
    d.cmd(0x06)
    d.write(0x72, 0x300, bytes([dc]), asize=3)
    d.cmd(0x06)
    d.write(0x72, 0x000, b"\x02", asize=3)
    d.setup(DOPI)


def test_spi_id_program_read_and_status_polling():
    d = Drv(profile="typical")
    assert d.read(0x9F, None, 3) == bytes((0xC2, 0x85, 0x3A))
    d.cmd(0x06)
    assert d.read(0x05, None, 1)[0] & 2  # WEL
    d.write(0x12, 0x100, bytes(range(16)), asize=3)
    t0 = d.board.clock.now
    d.poll_wip()
    assert d.board.clock.now - t0 >= 140_000_000  # ~0.15 ms page program on the virtual clock
    assert d.read(0x0C, 0x100, 16, dummy=8, asize=3) == bytes(range(16))
    assert d.read(0x13, 0xFE, 4, asize=3) == b"\xff\xff\x00\x01"


def test_program_only_clears_bits_wel_and_page_wrap():
    d = Drv()
    d.write(0x12, 0x0, b"\x00", asize=3)  # no WREN: ignored
    assert d.read(0x13, 0, 1, asize=3) == b"\xff"
    assert "without WEL" in d.nor.trace[-1]
    d.cmd(0x06)
    d.write(0x12, 0x10, b"\xF0", asize=3)
    d.cmd(0x06)
    d.write(0x12, 0x10, b"\x3C", asize=3)
    assert d.read(0x13, 0x10, 1, asize=3) == b"\x30"
    d.cmd(0x06)
    d.write(0x12, 0x1FE, b"\x11\x22\x33\x44", asize=3)  # wraps inside page 0x100..0x1FF
    assert d.read(0x13, 0x1FE, 2, asize=3) == b"\x11\x22"
    assert d.read(0x13, 0x100, 2, asize=3) == b"\x33\x44"
    assert d.read(0x13, 0x200, 1, asize=3) == b"\xff"
    d.cmd(0x06)
    d.cmd(0x21, 0x1234, asize=3)  # 4 KB erase of sector 0x1000
    assert d.read(0x13, 0x100, 2, asize=3) == b"\x33\x44"
    d.cmd(0x06)
    d.cmd(0x21, 0x0, asize=3)
    assert d.read(0x13, 0x100, 2, asize=3) == b"\xff\xff"


def test_commands_ignored_while_busy():
    d = Drv(profile="typical")
    d.cmd(0x06)
    d.cmd(0x21, 0x0, asize=3)  # 25 ms erase
    d.cmd(0x06)
    assert d.read(0x05, None, 1)[0] & 1  # WIP
    assert d.read(0x13, 0, 2, asize=3) == b"\xff\xff"
    assert "while busy" in d.nor.trace[-1]
    d.poll_wip()
    assert d.board.clock.now >= ms(25)
    assert d.read(0x05, None, 1)[0] & 3 == 0


def test_octal_dtr_program_read_poll():
    d = Drv(profile="typical")
    enter_dopi(d)
    assert d.nor.mode == "dopi"
    assert d.read(0x9F, 0, 6, dummy=5) == bytes((0xC2, 0xC2, 0x85, 0x85, 0x3A, 0x3A))
    d.cmd(0x06, 0)
    d.write(0x12, 0x200, bytes(range(16)))
    d.poll_wip(dummy=5)
    assert d.read(0xEE, 0x200, 16, dummy=6) == bytes(range(16))
    # The array holds the bytes in order: MTYP=Macronix undoes the D1/D0 wire order (RM0468, OCTOSPI_DCR1.MTYP).
    assert bytes(d.nor.mem[0x200:0x204]) == b"\x00\x01\x02\x03"


def test_dtr_wrong_dummy_cycles_shift_by_two_bytes_per_cycle():
    d = Drv()
    enter_dopi(d)
    d.cmd(0x06, 0)
    d.write(0x12, 0x0, bytes(range(1, 17)))
    got = d.read(0xEE, 0x0, 8, dummy=5)   # device expects 6
    assert got == b"\x00\x00" + bytes(range(1, 7))  # the "first bytes read as 0" field failure
    assert "5 dummy cycles, device expects 6" in d.nor.trace[-1]
    assert d.read(0xEE, 0x0, 4, dummy=7) == bytes((3, 4, 5, 6))


def test_dtr_pitfalls_dqs_byte_order_dhqc_odd_count_and_wrong_mode():
    d = Drv()
    enter_dopi(d)
    assert d.read(0xEE, 0x0, 2, dummy=6, dqs=False) == b"\x88\x88"
    assert "without DQS" in d.nor.trace[-1]
    d.cmd(0x06, 0)
    d.write(0x12, 0x0, b"\x01\x02\x03\x04")
    d.w(DCR1, (d.r(DCR1) & ~(7 << 24)))  # MTYP=Micron in DTR: words come back swapped
    assert d.read(0xEE, 0x0, 4, dummy=6) == b"\x02\x01\x04\x03"
    d.w(DCR1, d.r(DCR1) | (1 << 24))
    # DHQC=1 + DTR instruction without DDTR: silently not executed.
    d.w(CR, d.r(CR) & ~(3 << 28))
    d.w(CCR, 4 | 1 << 3 | 1 << 4)
    d.w(IR, 0x06F9)
    d.wait(TCF)
    d.w(FCR, TCF)
    assert "silently not executed" in d.o.trace[-1]
    assert not d.nor.status() & 2
    # Odd count in octal DTR: an extra byte stays in the FIFO and BUSY stays 1.
    d.w(CCR, d.ccr(True, True, dqs=True))
    d.w(TCR, (1 << 28) | 6)
    d.w(DLR, 2)
    d.w(CR, (d.r(CR) & ~(3 << 28)) | (1 << 28))
    d.w(AR, 0)
    d.w(IR, 0xEE11)
    d.w(AR, 0)
    [d.r(DR, 1) for _ in range(3)]
    d.board.clock.warp_to_next_event()
    assert d.r(SR) & BUSY and (d.r(SR) >> 8) & 0x3F == 1
    d.w(CR, d.r(CR) | 2)  # ABORT: self-clearing, TCF, FIFO flushed
    assert d.r(CR) & 2 == 0 and d.r(SR) & TCF and not d.r(SR) & BUSY
    # SPI-framed command while the device is in DOPI: not understood.
    d.setup(SPI)
    assert d.read(0x9F, None, 3) == b"\xff\xff\xff"
    assert "not understood" in d.nor.trace[-1]


def test_start_rules_ar_ignored_and_config_locked_while_busy():
    d = Drv()
    # FMODE=00 with DMODE!=0: writing AR does not start anything.
    d.w(CCR, d.ccr(True, True))
    d.w(DLR, 3)
    d.w(IR, 0x12)
    d.w(AR, 0x40)
    assert not d.r(SR) & BUSY
    d.w(DR, 0xAA, 1)
    assert d.r(SR) & BUSY  # first DR write started it
    d.w(AR, 0x80)   # ignored while busy
    d.w(CCR, 0)     # dropped while busy
    assert d.r(AR) == 0x40 and d.r(CCR) == d.ccr(True, True)
    assert "while BUSY=1" in d.o.trace[-1]
    d.w(CR, d.r(CR) | 2)
    # Indirect access beyond DEVSIZE sets TEF.
    d.w(CR, (d.r(CR) & ~(3 << 28)) | (1 << 28))
    d.w(AR, 1 << 21)
    assert d.r(SR) & TEF


def test_memory_mapped_window_direct_and_wrong_config():
    d = Drv()
    enter_dopi(d)
    d.cmd(0x06, 0)
    d.write(0x12, 0x0, bytes(range(32)))
    d.w(CR, d.r(CR) & ~(3 << 28))
    d.w(CCR, d.ccr(True, True, dqs=True))
    d.w(TCR, (1 << 28) | 6)
    d.w(IR, 0xEE11)
    with pytest.raises(WindowFault, match="not memory-mapped"):
        d.o.window.read(0, 4)
    d.w(CR, d.r(CR) | (3 << 28))
    assert d.o.window.kind == "direct"
    assert d.o.window.read(0, 8) == bytes(range(8))
    with pytest.raises(WindowFault, match="read-only"):
        d.o.window.write(0, b"\0")
    with pytest.raises(WindowFault, match="DEVSIZE"):
        d.o.window.read(1 << 20, 4)
    d.w(CR, d.r(CR) | 2)
    d.w(CR, d.r(CR) & ~(3 << 28))
    d.w(TCR, (1 << 28) | 5)
    d.w(CR, d.r(CR) | (3 << 28))
    assert d.o.window.kind == "slow"
    assert d.o.window.read(0, 6) == b"\x00\x00" + bytes(range(4))
