"""Winbond W25Q128JV (3 V, 128 Mbit), fitted to STM32F746G-DISCO boards from revision C-03 (W25Q128JV
datasheet: "Instructions", "Status and configuration registers", "AC electrical characteristics").

16 MB, 3-byte addresses, 256 B pages, 4 KB sectors (0x20), 32 KB (0x52) and 64 KB (0xD8) blocks, chip
erase 0xC7/0x60. JEDEC ID EF 40 18. Status register 1 (BUSY 0, WEL 1, BP2..0 in 4:2, TB 5, SEC 6, SRP 7),
2 (SRL 0, QE 1, LB3..1, CMP 6, SUS 7, read 0x35 / write 0x31) and 3 (read 0x15 / write 0x11). Quad
commands (0x6B, 0xEB, 0x32) need QE=1 (the -IQ part ships with QE=1). Dummy cycles are fixed: 8 for
0x0B/0x3B/0x6B; 0xBB takes its mode byte M7-0 on 2 lines (4 clocks), 0xEB its mode byte on 4 lines (2
clocks) plus 4 dummy clocks: a controller sending no alternate byte must count the mode clocks as dummy
(DCYC=6 for 0xEB); a mode byte with M5-4 = 10 enters continuous read (frames without instruction).
Protection: BP=n protects the top (TB=0) or bottom 256 KB x 2^(n-1) (SEC=0, CMP=0 table); a refused
program/erase is ignored silently (the part has no error flag). Times: datasheet typical: page 0.4 ms,
4 KB 45 ms, 32 KB 120 ms, 64 KB 150 ms, chip 40 s, status register write 10 ms.
"""
from __future__ import annotations

from ..clock import ms, seconds, us
from .spinor import SR_WEL, Cmd, Part, SpiNor

MB = 1 << 20
SR2_QE = 0x02

CMDS = {
    0x9F: Cmd("JEDEC ID", "id", data_lines=1),
    0x05: Cmd("READ STATUS 1", "rdsr", data_lines=1), 0x35: Cmd("READ STATUS 2", "rdsr2", data_lines=1),
    0x15: Cmd("READ STATUS 3", "rdsr3", data_lines=1),
    0x01: Cmd("WRITE STATUS 1", "wrsr", data_lines=1), 0x31: Cmd("WRITE STATUS 2", "wrsr2", data_lines=1),
    0x11: Cmd("WRITE STATUS 3", "wrsr3", data_lines=1),
    0x06: Cmd("WRITE ENABLE", "wren"), 0x04: Cmd("WRITE DISABLE", "wrdi"),
    0x66: Cmd("ENABLE RESET", "rsten"), 0x99: Cmd("RESET DEVICE", "rst"),
    0x03: Cmd("READ DATA", "read", 1, 1, 0), 0x0B: Cmd("FAST READ", "read", 1, 1, 8),
    0x3B: Cmd("FAST READ DUAL OUTPUT", "read", 1, 2, 8), 0xBB: Cmd("FAST READ DUAL I/O", "read", 2, 2, 4),
    0x6B: Cmd("FAST READ QUAD OUTPUT", "read", 1, 4, 8, quad=True),
    0xEB: Cmd("FAST READ QUAD I/O", "read", 4, 4, 6, quad=True),
    0x02: Cmd("PAGE PROGRAM", "pp", 1, 1), 0x32: Cmd("QUAD INPUT PAGE PROGRAM", "pp", 1, 4, quad=True),
    0x20: Cmd("SECTOR ERASE 4KB", "erase", 1, erase=4096), 0x52: Cmd("BLOCK ERASE 32KB", "erase", 1, erase=32768),
    0xD8: Cmd("BLOCK ERASE 64KB", "erase", 1, erase=65536),
    0xC7: Cmd("CHIP ERASE", "erase"), 0x60: Cmd("CHIP ERASE", "erase"),
}

PART = Part(
    name="W25Q128JV", jedec=bytes((0xEF, 0x40, 0x18)), size=16 * MB, cmds=CMDS,
    times={"typical": {"page": us(400), "4k": ms(45), "32k": ms(120), "64k": ms(150), "chip": seconds(40),
                       "wrsr": ms(10)},
           "zero": {k: 0 for k in ("page", "4k", "32k", "64k", "chip", "wrsr")}},
    bp_bits=(2, 3, 4), tb_bit=5, protect_unit=256 * 1024)


class W25Q128JV(SpiNor):
    part = PART

    def __init__(self, clock=None, profile="typical", mem=None):
        self.sr2 = SR2_QE      # non-volatile QE=1 on the -IQ part
        self.sr3 = 0x60        # DRV1:0 = 11 (output strength 25 %), WPS 0
        super().__init__(clock, profile, mem)

    def nv(self):
        return dict(super().nv(), sr2=self.sr2 & 0x7F, sr3=self.sr3)

    def load_nv(self, d):
        super().load_nv(d)
        self.sr2, self.sr3 = d.get("sr2", SR2_QE), d.get("sr3", 0x60)

    def quad_ok(self, cmd):
        return bool(self.sr2 & SR2_QE)

    def readable_while_busy(self, cmd):
        return cmd.kind in ("rdsr", "rdsr2", "rdsr3")

    def protected(self, lo, hi):
        if self.sr >> 6 & 1 or self.sr2 >> 6 & 1:
            self.note(f"{self.name}: SEC/CMP protection variants are not modelled; using the BP/TB table")
        return super().protected(lo, hi)

    def after_read(self, op, cmd, t):
        if op in (0xEB, 0xBB) and t.alternate is not None and (t.alternate.value & 0x30) == 0x20:
            self.xip = op          # mode bits M5-4 = 10: continuous read
        elif t.instruction is not None:
            self.xip = None

    def alternate_ok(self, t):
        op = t.instruction.value & 0xFF if t.instruction else None
        return op in (0xEB, 0xBB) and t.alternate.size == 1 and (t.alternate.value & 0x30) != 0x20

    def register_cmd(self, op, cmd, t):
        k = cmd.kind
        if k == "rdsr2":
            return self._repeat(bytes([self.sr2]), t.count)
        if k == "rdsr3":
            return self._repeat(bytes([self.sr3]), t.count)
        if k in ("wrsr2", "wrsr3"):
            if not self.sr & SR_WEL:
                self.note(f"{self.name}: {cmd.name} without WREN (WEL=0): ignored")
                return b""
            if t.data:
                if k == "wrsr2":
                    self.sr2 = (self.sr2 & 0x80) | (t.data[0] & 0x7F)
                else:
                    self.sr3 = t.data[0]
                self._nv_changed()
            self._start_busy("wrsr")
            return b""
        return None
