"""The host side of the stm32boot wire protocol (firmware/core/protocol.h is the definition).

Constants, enums and struct layouts come from the C header through stm32boot._protocol (cffi), never
from a Python copy: every frame, request and reply is packed and unpacked through a `Layout` derived from
the cffi type of its struct (field order, sizes and offsets as the C compiler laid them out). This module
frames and unframes (same resync rule as the firmware) and maps reply statuses to exceptions that name the
address and the cause; link.py runs the windowed sender.
"""
from __future__ import annotations

import enum
import struct
from collections import namedtuple
from dataclasses import dataclass

from ._protocol import ffi, lib
from .native import crc32

_CODES = {"uint8_t": "B", "uint16_t": "H", "uint32_t": "I", "uint64_t": "Q",
          "int8_t": "b", "int16_t": "h", "int32_t": "i", "int64_t": "q"}


class Layout:
    """A packed struct of protocol.h as Python sees it: fields, order and offsets read from its cffi type
    (so from the C compiler), packed and unpacked with one precompiled struct.Struct. Byte arrays
    (names, keys) come back as bytes; `text(v)` cuts a NUL-padded name."""

    def __init__(self, ctype: str):
        t = ffi.typeof(ctype)
        fmt, names, zero, pos = "<", [], [], 0
        for name, f in t.fields:
            ft = f.type
            if f.offset != pos:
                raise TypeError(f"{ctype}.{name}: not packed")
            if ft.kind == "array":
                fmt += f"{ft.length * ffi.sizeof(ft.item)}s"
                zero.append(b"")
            else:
                fmt += _CODES[ft.cname]
                zero.append(0)
            names.append(name)
            pos += ffi.sizeof(ft)
        self.ctype, self.struct = ctype, struct.Struct(fmt)
        assert self.struct.size == ffi.sizeof(t) == pos, ctype
        self.size = self.struct.size
        self.fields = tuple(names)
        self._zero = dict(zip(names, zero))
        self.tuple = namedtuple(ctype.split()[-1], names)
        self.unpack_from = self.struct.unpack_from      # the raw tuple (the frame decoder's hot path)

    def decode(self, buf, offset: int = 0):
        """The struct at buf[offset:] as a named tuple; ProtocolError when buf is too short."""
        if len(buf) - offset < self.size:
            raise ProtocolError(f"{self.ctype} needs {self.size} bytes, got {max(0, len(buf) - offset)}: "
                                f"the bootloader speaks another protocol version?")
        return self.tuple._make(self.struct.unpack_from(buf, offset))

    def pack(self, *args, **fields) -> bytes:
        """Positional values in field order, or fields by name (the others are 0 / empty)."""
        if args:
            return self.struct.pack(*args)
        unknown = set(fields) - set(self.fields)
        if unknown:
            raise TypeError(f"{self.ctype} has no field {', '.join(sorted(unknown))}")
        return self.struct.pack(*(fields.get(n, z) for n, z in self._zero.items()))


def text(raw: bytes) -> str:
    """A NUL-padded name field (it may fill the field without a terminator)."""
    return raw.split(b"\0")[0].decode("ascii", "replace")


HDR = Layout("struct proto_hdr")
STATUS = Layout("struct proto_status")
INFO = Layout("struct proto_info")
MEM = Layout("struct proto_mem")
MEM_V2 = Layout("struct proto_mem_v2")
RUN = Layout("struct proto_run")
RANGE = Layout("struct proto_range")
WRITE_REQ = Layout("struct proto_write_req")
READ_REQ = Layout("struct proto_read_req")
BAUD_REQ = Layout("struct proto_baud_req")
UPDATE_REQ = Layout("struct proto_update_req")
COMMIT_REQ = Layout("struct proto_commit_req")
MEMORY_REQ = Layout("struct proto_memory_req")
U32 = struct.Struct("<I")     # one little-endian uint32: the frame's CRC, ERASE entries, RESET flags, CRCs
assert HDR.size == lib.PROTO_HDR_SIZE and U32.size == lib.PROTO_CRC_SIZE

SYNC = bytes([lib.PROTO_SYNC0, lib.PROTO_SYNC1])
MAX_DATA = lib.PROTO_MAX_DATA
MAX_PAYLOAD = lib.PROTO_MAX_PAYLOAD
MAX_RANGES = lib.PROTO_MAX_RANGES
MAX_SECTORS = lib.PROTO_MAX_SECTORS
WINDOW = lib.PROTO_WINDOW
FLAG_REPLY, FLAG_DUP, TRY_MASK = lib.PROTO_FLAG_REPLY, lib.PROTO_FLAG_DUP, lib.PROTO_FLAG_TRY_MASK

Cmd = enum.IntEnum("Cmd", {n[4:]: getattr(lib, n) for n in dir(lib) if n.startswith("CMD_")})
Status = enum.IntEnum("Status", {n[3:]: getattr(lib, n) for n in dir(lib)
                                 if n.startswith("ST_") and n != "ST_COUNT"})
# proto_mem.kind <-> the board description's Memory.kind: the PROTO_MEM_* name in lower case.
KINDS = {getattr(lib, n): n[len("PROTO_MEM_"):].lower() for n in dir(lib) if n.startswith("PROTO_MEM_")}

# What each status means to a user and what to do about it, in one line.
_EXPLAIN = {
    Status.BAD_CRC: "the frame arrived corrupted",
    Status.BAD_LEN: "the request length is wrong for the command (host/bootloader version mismatch?)",
    Status.BAD_CMD: "the bootloader does not know this command (update the bootloader)",
    Status.SEQ_ERROR: "frames arrived out of order",
    Status.ADDR_OUT_OF_RANGE: "the address is outside every writable memory of this board",
    Status.PROTECTED_BOOTLOADER: "the address is inside the bootloader's own sector, which it never "
                                 "erases or writes (use `stm32boot update-bootloader`)",
    Status.ALIGN: "the address or length is not aligned to the memory's program unit / sector",
    Status.PROGRAM_SEQUENCE: "the memory controller refused the operation as it was sequenced (a bootloader "
                             "fault or a controller left locked): reset the board and flash again; if it "
                             "persists, update the bootloader (`doit flash-loader`)",
    Status.WRITE_PROTECTED: "the sector is write-protected: remove the protection (`stm32boot unprotect "
                            "--via rom` for internal flash) and flash again",
    Status.DEVICE_TIMEOUT: "the memory stayed busy past its datasheet maximum: power-cycle the board and "
                           "flash again; if it persists, the device is worn or faulty",
    Status.TRANSFER_ERROR: "the transfer between the controller and the memory failed: reset the board and "
                           "flash again; if it persists, check the memory's wiring and clock",
    Status.ECC: "the memory holds an uncorrectable ECC error (a write cut by a power loss?): flash again, "
                "which rewrites the sector",
    Status.OPERATION_FAILED: "the memory reports that the erase or program failed: flash again; if it "
                             "persists, the sector is worn out",
    Status.UNKNOWN_DEVICE: "the external memory does not identify as a part this bootloader drives (its ID "
                           "is the status): check the board revision, or update the bootloader "
                           "(`doit flash-loader`)",
    Status.VERIFY_FAIL: "read-back after programming differs",
    Status.BAD_BAUD: "the bootloader's UART clock cannot make that baud rate",
    Status.NOT_ERASED: "the target cells are not erased (erase the sector first)",
    Status.INTERNAL: "internal bootloader error",
    Status.BAD_IMAGE: "the staged bootloader image was refused (CRC mismatch, too large, no sane vector "
                      "table, or not signed for this release bootloader): the board is unchanged; rebuild "
                      "it with `doit firmware` and update again",
    Status.REFUSED: "a release bootloader does not do this: no READ of flash or NOR, CRC only over whole "
                    "sectors (it would reveal the protected application)",
    Status.RECORD_FAIL: "the application record (written last to mark a completed flash) could not be erased "
                        "or written; the application will not start: flash again",
    Status.BAD_DATA: "the compressed data of the frame are not valid DEFLATE or decode to more than a frame "
                     "holds; nothing was written (a host bug or damage the frame CRC missed: flash again)",
}


class ProtocolError(Exception):
    """Anything that went wrong talking to the bootloader."""


class NoResponse(ProtocolError):
    """The bootloader did not answer."""


class DamagedLink(ProtocolError):
    """The bootloader answers, but keeps receiving the same frame corrupted."""


DEVICE_ERRORS = frozenset(st for st in Status if st >= Status.PROGRAM_SEQUENCE) | {Status.NOT_ERASED}


class TargetError(ProtocolError):
    """The bootloader answered with an error status; `status`, `addr`, `detail` say which; `memory`
    names the memory holding `addr` when the host knows it."""

    def __init__(self, cmd: int, status: int, addr: int, detail: int, memory: str | None = None):
        self.cmd, self.status, self.addr, self.detail = cmd, status, addr, detail
        try:
            st = Status(status)
            name, why = st.name, _EXPLAIN.get(st, "")
        except ValueError:
            st = None
            if lib.PROTO_ST_V2_FIRST <= status <= lib.PROTO_ST_V2_LAST:
                name, why = (f"error {status}", "a controller-specific error code of a protocol 1-2 "
                             "bootloader: update the bootloader (`doit flash-loader`) for the cause in words")
            else:
                name, why = f"status {status}", "unknown status (bootloader newer than this tool?)"
        try:
            what = "WRITE" if cmd == Cmd.WRITE_Z else Cmd(cmd).name   # compressed or not, the same write
        except ValueError:
            what = f"command 0x{cmd:02x}"
        where = f" ({memory})" if memory else ""
        msg = f"{what} failed at 0x{addr:08X}{where}: {name}: {why}"
        if status == Status.PROTECTED_BOOTLOADER:
            msg += f" (protected up to 0x{detail:08X})"
        elif status == Status.BAD_DATA:
            msg += f" (decoder error -{detail}, native/inflate.h)"
        elif st == Status.UNKNOWN_DEVICE:
            msg += f" (ID 0x{detail:06X})"
        elif st in DEVICE_ERRORS or (st is None and detail):
            msg += f" (status register 0x{detail:08X})"
        elif detail:
            msg += f" (detail 0x{detail:08X})"
        super().__init__(msg)


@dataclass
class Frame:
    cmd: int
    flags: int
    seq: int
    payload: bytes


@dataclass
class Reply:
    cmd: int
    seq: int
    flags: int
    status: int
    addr: int
    detail: int
    data: bytes


def encode(cmd: int, seq: int, payload: bytes = b"", flags: int = 0) -> bytes:
    n = len(payload)
    if n > MAX_PAYLOAD:
        raise ValueError(f"payload of {n} bytes exceeds the protocol limit {MAX_PAYLOAD}")
    body = HDR.pack(lib.PROTO_SYNC0, lib.PROTO_SYNC1, cmd, flags, seq & 0xFFFF, n, ~n & 0xFFFF) + bytes(payload)
    return body + U32.pack(crc32(body))


class Decoder:
    """Incremental frame finder with the firmware's resync rule: hunt for the sync pair, accept a header
    only if ~len matches and len is within the limit, drop frames whose CRC fails and hunt again from
    the byte after their first sync byte."""

    def __init__(self):
        self.buf = bytearray()
        self.crc_errors = 0

    def feed(self, data: bytes) -> list[Frame]:
        self.buf += data
        out, buf = [], self.buf
        while True:
            i = buf.find(SYNC)
            if i < 0:
                del buf[:max(0, len(buf) - 1)]  # keep a trailing SYNC0
                return out
            if i:
                del buf[:i]
            if len(buf) < HDR.size:
                return out
            _, _, cmd, flags, seq, n, nn = HDR.unpack_from(buf)
            if n ^ nn != 0xFFFF or n > MAX_PAYLOAD:
                del buf[:1]
                continue
            total = HDR.size + n + 4
            if len(buf) < total:
                return out
            if crc32(memoryview(buf)[:HDR.size + n]) != U32.unpack_from(buf, HDR.size + n)[0]:
                self.crc_errors += 1
                del buf[:1]
                continue
            out.append(Frame(cmd, flags, seq, bytes(buf[HDR.size:HDR.size + n])))
            del buf[:total]


def parse_reply(f: Frame) -> Reply:
    if len(f.payload) < STATUS.size:
        raise ProtocolError(f"reply to command 0x{f.cmd:02x} too short ({len(f.payload)} bytes)")
    st = STATUS.decode(f.payload)
    return Reply(f.cmd, f.seq, f.flags, st.status, st.addr, st.detail, f.payload[STATUS.size:])
