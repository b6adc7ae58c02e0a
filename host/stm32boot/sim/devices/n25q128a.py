"""Micron N25Q128A13 (3 V, 128 Mbit): 16 MB, 3-byte addresses, 256 B pages, 4 KB subsectors, 64 KB sectors
(N25Q128A datasheet, "Memory organization", "Command set", "Registers").

Extended SPI protocol (instruction on one line) with its dual and quad I/O variants; the dual and quad
protocols (all phases on 2 or 4 lines) are selected by EVCR bit 6 / bit 7 = 0 (volatile) or NVCR bit 2 /
bit 3 = 0 (at power-on). Registers: status (BP3..0 in bits 6,4,3,2, TB bit 5), flag status (READY bit 7,
erase error 5, program error 4, protection error 1; errors stay until CLEAR FLAG STATUS 0x50), volatile
configuration (dummy cycles [7:4], XIP bit 3 = 0 enabled), non-volatile configuration (dummy [15:12], XIP
[11:9], quad 3, dual 2; applies at power-on / software reset) and the enhanced volatile configuration.
Dummy field 0 or 15 means the command's default: 8 for FAST READ, DUAL/QUAD OUTPUT and DUAL I/O, 10 for
QUAD I/O (0xEB). A protected sector refuses program/erase and sets the protection and program/erase error
flags. XIP: with VCR bit 3 = 0, a fast read leaves the device in XIP, so frames without instruction
(QUADSPI CCR.SIOO) continue reading. Times: datasheet typical (AC characteristics): page program 0.5 ms,
subsector 0.25 s, sector 0.7 s, bulk 170 s; WRSR/WRVCR 1.3 ms, WRNVCR 0.2 s.
"""
from __future__ import annotations

from ..clock import ms, seconds, us
from .spinor import SR_WEL, Cmd, Part, SpiNor

MB = 1 << 20
FSR_READY, FSR_ERASE_ERR, FSR_PROG_ERR, FSR_PROT_ERR = 0x80, 0x20, 0x10, 0x02

CMDS = {
    0x9E: Cmd("READ ID", "id", data_lines=1), 0x9F: Cmd("READ ID", "id", data_lines=1),
    0xAF: Cmd("MULTIPLE I/O READ ID", "mid", data_lines=1),
    0x05: Cmd("READ STATUS", "rdsr", data_lines=1), 0x01: Cmd("WRITE STATUS", "wrsr", data_lines=1),
    0x70: Cmd("READ FLAG STATUS", "rdfsr", data_lines=1), 0x50: Cmd("CLEAR FLAG STATUS", "clfsr"),
    0x85: Cmd("READ VCR", "rdvcr", data_lines=1), 0x81: Cmd("WRITE VCR", "wrvcr", data_lines=1),
    0xB5: Cmd("READ NVCR", "rdnvcr", data_lines=1), 0xB1: Cmd("WRITE NVCR", "wrnvcr", data_lines=1),
    0x65: Cmd("READ EVCR", "rdevcr", data_lines=1), 0x61: Cmd("WRITE EVCR", "wrevcr", data_lines=1),
    0x06: Cmd("WRITE ENABLE", "wren"), 0x04: Cmd("WRITE DISABLE", "wrdi"),
    0x66: Cmd("RESET ENABLE", "rsten"), 0x99: Cmd("RESET MEMORY", "rst"),
    0x03: Cmd("READ", "read", 1, 1, 0), 0x0B: Cmd("FAST READ", "read", 1, 1, None),
    0x3B: Cmd("DUAL OUTPUT FAST READ", "read", 1, 2, None), 0xBB: Cmd("DUAL I/O FAST READ", "read", 2, 2, None),
    0x6B: Cmd("QUAD OUTPUT FAST READ", "read", 1, 4, None, quad=True),
    0xEB: Cmd("QUAD I/O FAST READ", "read", 4, 4, None, quad=True),
    0x0D: Cmd("DTR FAST READ", "read", 1, 1, None, dtr=True),
    0x6D: Cmd("DTR QUAD OUTPUT FAST READ", "read", 1, 4, None, dtr=True, quad=True),
    0xED: Cmd("DTR QUAD I/O FAST READ", "read", 4, 4, None, dtr=True, quad=True),
    0x02: Cmd("PAGE PROGRAM", "pp", 1, 1), 0xA2: Cmd("DUAL INPUT FAST PROGRAM", "pp", 1, 2),
    0xD2: Cmd("EXTENDED DUAL INPUT FAST PROGRAM", "pp", 2, 2),
    0x32: Cmd("QUAD INPUT FAST PROGRAM", "pp", 1, 4, quad=True),
    0x12: Cmd("EXTENDED QUAD INPUT FAST PROGRAM", "pp", 4, 4, quad=True),
    0x20: Cmd("SUBSECTOR ERASE", "erase", 1, erase=4096), 0xD8: Cmd("SECTOR ERASE", "erase", 1, erase=65536),
    0xC7: Cmd("BULK ERASE", "erase"),
}
DEFAULT_DUMMY = {0xEB: 10, 0xED: 10}      # others: 8 (and 6 for the DTR variants: not modelled, 8 used)

PART = Part(
    name="N25Q128A", jedec=bytes((0x20, 0xBA, 0x18, 0x10)), size=16 * MB, cmds=CMDS,
    times={"typical": {"page": us(500), "4k": ms(250), "64k": ms(700), "chip": seconds(170), "wrsr": us(1300),
                       "wrnvcr": ms(200)},
           "zero": {k: 0 for k in ("page", "4k", "64k", "chip", "wrsr", "wrnvcr")}},
    bp_bits=(2, 3, 4, 6), tb_bit=5, protect_unit=64 * 1024)


class N25Q128A(SpiNor):
    part = PART

    def __init__(self, clock=None, profile="typical", mem=None):
        self.nvcr = 0xFFFF
        super().__init__(clock, profile, mem)

    def power_on(self):
        super().power_on()
        self.fsr = FSR_READY
        nv = self.nvcr
        # VCR from NVCR at power-on: dummy [15:12] -> [7:4], XIP [11:9] = 111 disabled -> bit 3 = 1.
        self.vcr = (nv >> 12 & 0xF) << 4 | (0x08 if nv >> 9 & 7 == 7 else 0) | 0x03
        # EVCR 0xDF at reset; NVCR quad (bit 3) / dual (bit 2) = 0 start the quad / dual protocol.
        self.evcr = 0xDF & ~(0 if nv >> 3 & 1 else 0x80) & ~(0 if nv >> 2 & 1 else 0x40)

    # ---- configuration --------------------------------------------------------------------------
    def protocol_lines(self) -> int:
        if not self.evcr >> 7 & 1:
            return 4
        if not self.evcr >> 6 & 1:
            return 2
        return 1

    def read_dummy(self, cmd):
        if cmd.dummy is not None:
            return cmd.dummy
        d = self.vcr >> 4
        if d in (0, 15):
            op = next(o for o, c in CMDS.items() if c is cmd)
            return DEFAULT_DUMMY.get(op, 8)
        return d

    def readable_while_busy(self, cmd):
        return cmd.kind in ("rdsr", "rdfsr")

    def id_bytes(self):
        return self.part.jedec + bytes(16)

    def status(self):
        return super().status()

    def _flag_status(self):
        busy = self.busy()
        return (self.fsr & ~FSR_READY) | (0 if busy else FSR_READY)

    def refused(self, kind, addr):
        super().refused(kind, addr)
        self.fsr |= FSR_PROT_ERR | (FSR_PROG_ERR if kind == "program" else FSR_ERASE_ERR)

    def after_read(self, op, cmd, t):
        if cmd.dummy is None and not self.vcr & 0x08:
            self.xip = op           # VCR.XIP=0: the device stays in XIP after this read
        elif t.instruction is not None:
            self.xip = None

    def register_cmd(self, op, cmd, t):
        k = cmd.kind
        if k == "rdfsr":
            return self._repeat(bytes([self._flag_status()]), t.count)
        if k == "clfsr":
            self.fsr &= FSR_READY
            return b""
        if k == "rdvcr":
            return self._repeat(bytes([self.vcr]), t.count)
        if k == "rdevcr":
            return self._repeat(bytes([self.evcr]), t.count)
        if k == "rdnvcr":
            return (self.nvcr.to_bytes(2, "little") * (t.count // 2 + 1))[:t.count]
        if k == "mid":
            return (self.id_bytes() + bytes(t.count))[:t.count]
        if k in ("wrvcr", "wrevcr", "wrnvcr"):
            if not self.sr & SR_WEL:
                self.note(f"{self.name}: {cmd.name} without WREN (WEL=0): ignored")
                return b""
            if not t.data:
                return b""
            if k == "wrvcr":
                self.vcr = t.data[0]
                self._start_busy("wrsr")
            elif k == "wrevcr":
                self.evcr = t.data[0]
                self._start_busy("wrsr")
            else:
                self.nvcr = int.from_bytes(t.data[:2].ljust(2, b"\xff"), "little")
                self._nv_changed()
                self._start_busy("wrnvcr")
            return b""
        return None

    def nv(self):
        return dict(super().nv(), nvcr=self.nvcr)

    def load_nv(self, d):
        super().load_nv(d)
        self.nvcr = d.get("nvcr", 0xFFFF)
        self.power_on()

    def alternate_ok(self, t):
        return False

