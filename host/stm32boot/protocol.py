"""The host side of the stm32boot wire protocol (firmware/core/protocol.h is the definition).

Constants, enums and struct layouts come from the C header through stm32boot._protocol (cffi), never
from a Python copy. This module frames and unframes (same resync rule as the firmware), maps reply
statuses to exceptions that name the address and the cause, and runs the windowed sender: up to
`window` request frames in flight, go-back-N retransmission on a sequence gap, a CRC NAK or a timeout;
the firmware never applies a retransmitted frame twice (it answers from its reply record).
"""
from __future__ import annotations

import enum
import struct
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable

from ._protocol import ffi, lib
from .native import crc32

SYNC = bytes([lib.PROTO_SYNC0, lib.PROTO_SYNC1])
HDR = struct.Struct("<BBBBHHH")            # layout checked against the C struct below
STATUS = struct.Struct("<BBHII")
assert HDR.size == lib.PROTO_HDR_SIZE == ffi.sizeof("struct proto_hdr")
assert STATUS.size == ffi.sizeof("struct proto_status")
MAX_DATA = lib.PROTO_MAX_DATA
MAX_PAYLOAD = lib.PROTO_MAX_PAYLOAD
FLAG_REPLY, FLAG_DUP, TRY_MASK = lib.PROTO_FLAG_REPLY, lib.PROTO_FLAG_DUP, lib.PROTO_FLAG_TRY_MASK

Cmd = enum.IntEnum("Cmd", {n[4:]: getattr(lib, n) for n in dir(lib) if n.startswith("CMD_")})
Status = enum.IntEnum("Status", {n[3:]: getattr(lib, n) for n in dir(lib)
                                 if n.startswith("ST_") and n != "ST_COUNT"})

# What each status means to a user, and what to do about it.
_EXPLAIN = {
    Status.BAD_CRC: "the frame arrived corrupted",
    Status.BAD_LEN: "the request length is wrong for the command (host/bootloader version mismatch?)",
    Status.BAD_CMD: "the bootloader does not know this command (update the bootloader)",
    Status.SEQ_ERROR: "frames arrived out of order",
    Status.ADDR_OUT_OF_RANGE: "the address is outside every writable memory of this board",
    Status.PROTECTED_BOOTLOADER: "the address is inside the bootloader's own sector, which it never "
                                 "erases or writes (use `stm32boot update-bootloader`)",
    Status.ALIGN: "the address or length is not aligned to the memory's program unit / sector",
    Status.FLASH_PGSERR: "internal flash programming sequence error",
    Status.FLASH_WRPERR: "internal flash sector is write-protected (option bytes WRPSN)",
    Status.FLASH_STRBERR: "internal flash strobe error (byte written twice in one flash word)",
    Status.FLASH_INCERR: "internal flash inconsistency error",
    Status.FLASH_OPERR: "internal flash operation error",
    Status.FLASH_ECC: "internal flash ECC error",
    Status.FLASH_TIMEOUT: "internal flash controller stayed busy too long",
    Status.NOR_TIMEOUT: "the NOR stayed busy (WIP) too long",
    Status.NOR_ERROR: "OCTOSPI transfer error talking to the NOR",
    Status.VERIFY_FAIL: "read-back after programming differs",
    Status.BAD_BAUD: "the bootloader's UART clock cannot make that baud rate",
    Status.NOT_ERASED: "the target cells are not erased (erase the sector first)",
    Status.INTERNAL: "internal bootloader error",
    Status.REFUSED: "a release bootloader does not do this: no READ of flash or NOR, CRC only over whole "
                    "sectors (it would reveal the protected application)",
    Status.RECORD_FAIL: "the application record (written last to mark a completed flash) could not be erased "
                        "or written; the application will not start: flash again",
}


class ProtocolError(Exception):
    """Anything that went wrong talking to the bootloader."""


class NoResponse(ProtocolError):
    """The bootloader did not answer."""


class DamagedLink(ProtocolError):
    """The bootloader answers, but keeps receiving the same frame corrupted."""


class TargetError(ProtocolError):
    """The bootloader answered with an error status; `status`, `addr`, `detail` say which."""

    def __init__(self, cmd: int, status: int, addr: int, detail: int):
        self.cmd, self.status, self.addr, self.detail = cmd, status, addr, detail
        try:
            st = Status(status)
            name, why = st.name, _EXPLAIN.get(st, "")
        except ValueError:
            name, why = f"status {status}", "unknown status (bootloader newer than this tool?)"
        try:
            what = Cmd(cmd).name
        except ValueError:
            what = f"command 0x{cmd:02x}"
        msg = f"{what} failed at 0x{addr:08X}: {name}: {why}"
        if status == Status.PROTECTED_BOOTLOADER:
            msg += f" (protected up to 0x{detail:08X})"
        elif detail:
            msg += f" (controller status 0x{detail:08X})"
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
    return body + struct.pack("<I", crc32(body))


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
            if crc32(memoryview(buf)[:HDR.size + n]) != struct.unpack_from("<I", buf, HDR.size + n)[0]:
                self.crc_errors += 1
                del buf[:1]
                continue
            out.append(Frame(cmd, flags, seq, bytes(buf[HDR.size:HDR.size + n])))
            del buf[:total]


def parse_reply(f: Frame) -> Reply:
    if len(f.payload) < STATUS.size:
        raise ProtocolError(f"reply to command 0x{f.cmd:02x} too short ({len(f.payload)} bytes)")
    status, _, _, addr, detail = STATUS.unpack_from(f.payload)
    return Reply(f.cmd, f.seq, f.flags, status, addr, detail, f.payload[STATUS.size:])


@dataclass
class Request:
    cmd: int
    payload: bytes
    op_time: float = 0.05          # worst-case device time for this request (s), beyond the wire
    on_reply: Callable[[Reply], None] | None = None


class _Entry:
    __slots__ = ("req", "seq", "frame", "sent_at", "due", "tries", "naks", "txn")


class Link:
    """Windowed request/reply engine over a transport (transport.py: write, read(timeout), now(),
    byte_time(), name)."""

    MAX_TRIES = 8    # timeouts in a row on one frame: the board is not answering
    MAX_NAKS = 32    # rejections of one frame: the board answers but the link keeps damaging it

    def __init__(self, transport, window: int = 1, latency: float = 0.05):
        self.t = transport
        self.window = window
        self.latency = latency  # allowance for the link's turnaround (USB frames, latency timers)
        self.seq = 0
        self.dec = Decoder()
        self.retransmits = 0
        self.frames_sent = 0

    def next_seq(self) -> int:
        s = self.seq
        self.seq = (self.seq + 1) & 0xFFFF
        return s

    def call(self, cmd: int, payload: bytes = b"", op_time: float = 0.05, check: bool = True) -> Reply:
        out: list[Reply] = []
        self.stream([Request(cmd, payload, op_time, out.append)], window=1, check=check)
        return out[0]

    def _send(self, e: _Entry, backlog: float) -> None:
        now = self.t.now()
        e.txn = (e.txn + 1) & TRY_MASK    # the transmission count travels in the flags, echoed back
        e.frame = encode(e.req.cmd, e.seq, e.req.payload, e.txn)
        self.t.write(e.frame)
        self.frames_sent += 1
        e.sent_at = now
        wire = (len(e.frame) + 64) * self.t.byte_time()
        e.due = now + backlog + wire + e.req.op_time + 2 * self.latency + 0.2

    def stream(self, requests: Iterable[Request], window: int | None = None, check: bool = True) -> None:
        """Send every request with up to `window` in flight; call each on_reply in order of arrival.
        An error status raises TargetError (unless check=False: the Reply is handed over)."""
        win = max(1, min(window or self.window, lib.PROTO_WINDOW))
        pending: OrderedDict[int, _Entry] = OrderedDict()
        it = iter(requests)
        exhausted = False
        bt = self.t.byte_time()
        while True:
            while not exhausted and len(pending) < win:
                try:
                    req = next(it)
                except StopIteration:
                    exhausted = True
                    break
                e = _Entry()
                e.req, e.seq, e.tries, e.naks, e.txn = req, self.next_seq(), 0, 0, -1
                # Everything already queued in front of it must cross the wire and be processed first.
                backlog = sum(len(p.frame) * bt + p.req.op_time for p in pending.values())
                self._send(e, backlog)
                pending[e.seq] = e
            if not pending:
                return
            oldest = next(iter(pending.values()))
            wait = max(0.0, oldest.due - self.t.now())
            data = self.t.read(wait)
            for f in self.dec.feed(data) if data else ():
                if not f.flags & FLAG_REPLY:
                    continue
                e = pending.get(f.seq)
                if e is None or f.cmd != e.req.cmd:
                    continue  # a stale answer to something already settled
                r = parse_reply(f)
                fresh = (f.flags & TRY_MASK) == e.txn   # answers our latest copy of the frame
                if r.status == Status.SEQ_ERROR:
                    if fresh:
                        self._go_back(pending, r.detail, e)
                elif r.status == Status.BAD_CRC:
                    if fresh:
                        self._go_back(pending, f.seq, e)
                else:
                    del pending[f.seq]
                    if pending:   # the next one's clock starts now at the latest
                        nxt = next(iter(pending.values()))
                        nxt.due = max(nxt.due, self.t.now() + nxt.req.op_time + 2 * self.latency + 0.2)
                    if r.status != Status.OK and check:
                        raise TargetError(r.cmd, r.status, r.addr, r.detail)
                    if e.req.on_reply:
                        e.req.on_reply(r)
            if pending:
                oldest = next(iter(pending.values()))
                if self.t.now() >= oldest.due - 1e-6:   # (float clocks: never spin on a sliver)
                    oldest.tries += 1
                    if oldest.tries >= self.MAX_TRIES:
                        raise NoResponse(self.no_response_message())
                    self._resend_from(pending, oldest.seq)

    def _go_back(self, pending, expected: int, trigger: _Entry) -> None:
        e = pending.get(expected)
        # Gate: an error caused by a frame sent before our last retransmission of `expected` is stale.
        if e is not None and e.sent_at <= trigger.sent_at:
            # A NAK is a try too: a link that damages every copy of a frame must end, not loop.
            e.naks += 1
            if e.naks >= self.MAX_NAKS:
                raise DamagedLink(
                    f"{self.t.name} keeps receiving corrupted frames: frame {e.seq} ({len(e.frame)} bytes) "
                    f"was rejected {e.naks} times; likely causes: a baud rate the cable or USB bridge "
                    f"cannot carry (try --baud 115200), electrical noise, or flow control left on by "
                    f"another program")
            self._resend_from(pending, expected)

    def _resend_from(self, pending, seq: int) -> None:
        started, backlog, bt = False, 0.0, self.t.byte_time()
        for e in pending.values():
            started = started or e.seq == seq
            if started:
                self.retransmits += 1
                self._send(e, backlog)
                backlog += len(e.frame) * bt + e.req.op_time

    def no_response_message(self) -> str:
        return (f"no response from {self.t.name}: likely causes: wrong port, board not in the bootloader "
                f"(press reset, or hold BOOT and reset), another program holds the port")
