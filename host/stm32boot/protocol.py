"""The host side of the stm32boot wire protocol (firmware/core/protocol.h is the definition).

Constants, enums and struct layouts come from the C header through stm32boot._protocol (cffi), never
from a Python copy: every frame, request and reply is packed and unpacked through a `Layout` derived from
the cffi type of its struct (field order, sizes and offsets as the C compiler laid them out). This module frames and unframes (same resync rule as the firmware), maps reply
statuses to exceptions that name the address and the cause, and runs the windowed sender: up to
`window` request frames in flight, go-back-N retransmission on a sequence gap or a CRC NAK, the oldest
frame alone on a timeout or a lost answer; the firmware never applies a retransmitted frame twice (it
answers from its reply record). The sender adapts to the link (see Link).
"""
from __future__ import annotations

import dataclasses

import enum
import struct
from collections import OrderedDict, namedtuple
from dataclasses import dataclass
from typing import Callable, Iterable

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


@dataclass
class Request:
    cmd: int
    payload: bytes
    op_time: float = 0.05          # worst-case device time for this request (s), beyond the wire
    on_reply: Callable[[Reply], None] | None = None
    split: Callable[[int], list] | None = None   # the same work as requests of <= n data bytes


class _Entry:
    __slots__ = ("req", "seq", "frame", "sent_at", "due", "tries", "naks", "txn")


MIN_DATA = 256          # smallest data frame the link shrinks to (a multiple of every program unit)


class Link:
    """Windowed request/reply engine over a transport (transport.py: write, read(timeout), now(),
    byte_time(), name).

    It adapts to the link it finds: the round-trip time is measured (Jacobson/Karels smoothing, only
    on frames sent once), and how much slower than its worst-case model the board serves frames
    (`slow`, e.g. a simulated board); every timeout is derived from both. Data frames shrink when
    the link damages them and grow back after a run of clean answers. A timeout retransmits only
    the oldest frame (the board may still be working through the rest); before a frame in flight is
    cut into smaller ones, a probe asks the board which sequence number it expects, so nothing it
    applied is ever sent again under another number."""

    MAX_TRIES = 8    # timeouts in a row on one frame: the board is not answering
    MAX_NAKS = 32    # rejections of one frame: the board answers but the link keeps damaging it
    GROW_AFTER = 16  # clean answers in a row before the data frames double again

    def __init__(self, transport, window: int = 1, latency: float = 0.05):
        self.t = transport
        self.window = window
        self.latency = latency  # one-way allowance until the round trip is measured
        self.seq = 0
        self.dec = Decoder()
        self.retransmits = 0
        self.frames_sent = 0
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.slow = 1.0
        self.data_size = MAX_DATA
        self.shrinks = 0
        self._clean = 0
        # what came back, for the message when it ends badly
        self.bytes_in = 0
        self.replies = 0
        self.sample = bytearray()
        self.last_rx = None
        self._probing = False
        self.where: Callable[[int], str | None] | None = None   # names the memory at an address (messages)

    def next_seq(self) -> int:
        s = self.seq
        self.seq = (self.seq + 1) & 0xFFFF
        return s

    # -- measurements ----------------------------------------------------------------------------
    def rtt_sample(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt

    def turnaround(self) -> float:
        """Allowance for the link's round trip beyond wire time (USB frames, servers, latency)."""
        if self.srtt is None:
            return 2 * self.latency
        return max(0.01, self.srtt + 4 * self.rttvar)

    def feed(self, data: bytes) -> list[Frame]:
        """Every received byte goes through here: counted and kept as a sample for diagnosis."""
        if not data:
            return []
        self.bytes_in += len(data)
        self.last_rx = self.t.now()
        if len(self.sample) < 256:
            self.sample += data[:256 - len(self.sample)]
        frames = self.dec.feed(data)
        self.replies += sum(1 for f in frames if f.flags & FLAG_REPLY)
        return frames

    def _shrink(self) -> None:
        self._clean = 0
        if self.data_size > MIN_DATA:
            self.data_size //= 2
            self.shrinks += 1

    def _clean_reply(self) -> None:
        self._clean += 1
        if self._clean >= self.GROW_AFTER and self.data_size < MAX_DATA:
            self.data_size *= 2
            self._clean = 0

    # -- streaming -------------------------------------------------------------------------------
    def call(self, cmd: int, payload: bytes = b"", op_time: float = 0.05, check: bool = True) -> Reply:
        out: list[Reply] = []
        self.stream([Request(cmd, payload, op_time, out.append)], window=1, check=check)
        return out[0]

    def _budget(self, e: _Entry, backlog: float) -> float:
        wire = (len(e.frame) + 64) * self.t.byte_time()
        return self.slow * (backlog + wire + e.req.op_time) + self.turnaround() + 0.15

    def _send(self, e: _Entry, backlog: float) -> None:
        now = self.t.now()
        e.txn = (e.txn + 1) & TRY_MASK    # the transmission count travels in the flags, echoed back
        e.frame = encode(e.req.cmd, e.seq, e.req.payload, e.txn)
        self.t.write(e.frame)
        self.frames_sent += 1
        e.sent_at = now
        # a frame that timed out before waits a little longer each time (the board may be slower
        # than learned so far); mostly a timeout is a frame cut short by a lost byte: retry soon
        e.due = now + self._budget(e, backlog) * (1.5 ** min(e.tries, 3))

    def _owing(self, req: Request) -> Request:
        """A memory may erase and program in the background after answering (firmware/core/devq.h), and
        the board's next other request waits for that work: it gets the device time still owed (the
        ERASE/WRITE times sent, less the time since) on top of its own."""
        now = self.t.now()
        owed = max(0.0, getattr(self, "_owed", 0.0) - (now - getattr(self, "_owed_at", now)))
        self._owed_at = now
        if req.cmd in (Cmd.ERASE, Cmd.WRITE):
            self._owed = owed + req.op_time
            return req
        self._owed = 0.0
        return dataclasses.replace(req, op_time=req.op_time + owed) if owed else req

    def stream(self, requests: Iterable[Request], window: int | None = None, check: bool = True) -> None:
        """Send every request with up to `window` in flight; call each on_reply in order of arrival.
        An error status raises TargetError (unless check=False: the Reply is handed over)."""
        win = max(1, min(window or self.window, WINDOW))
        pending: OrderedDict[int, _Entry] = OrderedDict()
        front: list[Request] = []        # cut-down requests that go before the rest
        it = iter(requests)
        exhausted = False
        bt = self.t.byte_time()
        self._last_reply = None
        while True:
            while len(pending) < win:
                if front:
                    req = front.pop(0)
                elif not exhausted:
                    try:
                        req = next(it)
                    except StopIteration:
                        exhausted = True
                        continue
                else:
                    break
                req = self._owing(req)
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
            for f in self.feed(self.t.read(wait)):
                self._on_frame(f, pending, check, front)
            if not pending:
                continue
            oldest = next(iter(pending.values()))
            if self.t.now() >= oldest.due - 1e-6:   # (float clocks: never spin on a sliver)
                if self.last_rx is not None and self.last_rx > oldest.sent_at:
                    oldest.naks += 1       # the board talks: its frames or ours are being damaged
                    if oldest.naks >= self.MAX_NAKS:
                        raise DamagedLink(self.damaged_message(oldest))
                else:
                    oldest.tries += 1      # silence
                    if oldest.tries >= self.MAX_TRIES:
                        raise NoResponse(self.no_response_message())
                self._shrink()     # a frame or its answer lost (a slow board shows in `slow`)
                if not self._resplit(pending, front, oldest, check):
                    self.retransmits += 1
                    self._send(oldest, 0.0)

    def _on_frame(self, f: Frame, pending, check: bool, front: list) -> None:
        if not f.flags & FLAG_REPLY:
            return
        e = pending.get(f.seq)
        if e is None or f.cmd != e.req.cmd:
            return  # a stale answer to something already settled
        r = parse_reply(f)
        fresh = (f.flags & TRY_MASK) == e.txn   # answers our latest copy of the frame
        now = self.t.now()
        if r.status in (Status.SEQ_ERROR, Status.BAD_CRC) and self._probing:
            return     # the probe settles where the board is; nothing is sent meanwhile
        if r.status == Status.SEQ_ERROR:
            if fresh:
                self._go_back(pending, r.detail, e, front, check)
            return
        if r.status == Status.BAD_CRC:
            if fresh:
                self._shrink()
                self._go_back(pending, f.seq, e, front, check)
            return
        del pending[f.seq]
        # The board applies frames in order: an older frame still waiting for its answer was applied
        # and its answer lost; ask again now (answered from the reply record) instead of timing out.
        for p in [p for p in pending.values() if not self._probing and p.sent_at <= e.sent_at
                  and ((e.seq - p.seq) & 0xFFFF) < 0x8000]:
            self.retransmits += 1
            self._send(p, 0.0)
        if e.txn == 0 and e.tries == 0 and e.naks == 0:
            # Karn: only frames sent once measure the link. The first of a burst measures the
            # round trip; every one measures how fast the board serves frames against its model.
            start = e.sent_at if self._last_reply is None else max(e.sent_at, self._last_reply)
            model = len(e.frame) * self.t.byte_time() + e.req.op_time
            if self._last_reply is None or e.sent_at >= self._last_reply:
                self.rtt_sample(max(0.0, now - e.sent_at - model))
            ratio = (now - start) / max(model, 1e-4)
            self.slow = max(1.0, min(64.0, ratio if ratio > self.slow else 0.9 * self.slow + 0.1 * ratio))
            self._clean_reply()
        self._last_reply = now
        if pending:   # the next one's clock starts now at the latest
            nxt = next(iter(pending.values()))
            nxt.due = max(nxt.due, now + self._budget(nxt, 0.0))
        if r.status != Status.OK and check:
            raise TargetError(r.cmd, r.status, r.addr, r.detail, self.where(r.addr) if self.where else None)
        if e.req.on_reply:
            e.req.on_reply(r)

    def _go_back(self, pending, expected: int, trigger: _Entry, front: list, check: bool) -> None:
        e = pending.get(expected)
        # Gate: an error caused by a frame sent before our last retransmission of `expected` is stale.
        if e is not None and e.sent_at <= trigger.sent_at:
            # A NAK is a try too: a link that damages every copy of a frame must end, not loop.
            e.naks += 1
            if e.naks >= 2:
                if len(e.req.payload) <= self.data_size + 16:
                    self._shrink()
                if self._resplit(pending, front, e, check):
                    return
            if e.naks >= self.MAX_NAKS:
                raise DamagedLink(self.damaged_message(e))
            self._resend_from(pending, expected)

    def _resend_from(self, pending, seq: int) -> None:
        started, backlog, bt = False, 0.0, self.t.byte_time()
        for e in pending.values():
            started = started or e.seq == seq
            if started:
                self.retransmits += 1
                self._send(e, backlog)
                backlog += len(e.frame) * bt + e.req.op_time

    # -- cutting frames down ---------------------------------------------------------------------
    def _resplit(self, pending, front: list, e: _Entry, check: bool) -> bool:
        """When frames in flight are bigger than the link now carries, ask the board which seq it
        expects, keep what it applied (their answers come back as duplicates) and resend the rest cut
        down, renumbered from that seq. False when there is nothing to cut."""
        if not any(p.req.split and len(p.req.payload) > self.data_size + 16 for p in pending.values()):
            return False
        expected = self._probe(pending, check, front)
        if not pending:
            return True
        applied, rest = [], []
        for p in pending.values():
            (rest if ((p.seq - expected) & 0xFFFF) < 0x8000 else applied).append(p)
        if not rest:
            return False
        reqs: list[Request] = []
        for p in rest:
            del pending[p.seq]
            if p.req.split and len(p.req.payload) > self.data_size + 16:
                reqs += p.req.split(self.data_size)
            else:
                reqs.append(p.req)
        front[:0] = reqs
        self.seq = expected
        if applied:
            self._resend_from(pending, applied[0].seq)
        return True

    def _probe(self, pending, check: bool, front: list) -> int:
        """The seq the board expects next: a frame far ahead is never applied, only answered with
        SEQ_ERROR naming it (protocol.h). Once its answer is here, every copy sent before it has been
        through the board (one wire, in order). Answers to pending frames are handled meanwhile."""
        self._probing = True
        try:
            return self._probe_once(pending, check, front)
        finally:
            self._probing = False

    def _probe_once(self, pending, check: bool, front: list) -> int:
        seq = (self.seq + 0x4000) & 0xFFFF
        for _ in range(self.MAX_TRIES):
            frame = encode(Cmd.CRC, seq, b"")
            self.t.write(frame)
            self.frames_sent += 1
            end = self.t.now() + self.slow * (len(frame) + 64) * self.t.byte_time() * 4 \
                + self.turnaround() * 2 + 0.3
            while (left := end - self.t.now()) > 0:
                for f in self.feed(self.t.read(left)):
                    if f.flags & FLAG_REPLY and f.seq == seq and f.cmd == Cmd.CRC:
                        r = parse_reply(f)
                        if r.status == Status.SEQ_ERROR:
                            return r.detail
                    else:
                        self._on_frame(f, pending, check, front)
        raise NoResponse(self.no_response_message())

    # -- when it ends badly ----------------------------------------------------------------------
    def damaged_message(self, e: _Entry) -> str:
        return (f"{self.t.name} keeps receiving corrupted frames: frame {e.seq} ({len(e.frame)} bytes) "
                f"was rejected or lost {e.naks} times while the board kept answering; likely causes: "
                f"a baud rate the cable or USB bridge cannot carry (try --baud 115200), electrical "
                f"noise, or flow control left on by another program")

    def no_response_message(self) -> str:
        """"No response" only when nothing came back; otherwise what did come back."""
        name = self.t.name
        if not self.bytes_in:
            return (f"no response from {name}: likely causes: wrong port, board not in the bootloader "
                    f"(press reset, or hold BOOT and reset), another program holds the port")
        sample = bytes(self.sample)
        if self.replies:
            crc = self.dec.crc_errors
            noise = f", {crc} damaged frame(s) received" if crc else ""
            return (f"{name} stopped answering: it answered {self.replies} frame(s){noise} "
                    f"({self.bytes_in:,} bytes), then went silent or every answer arrived damaged; "
                    f"likely causes: a noisy or failing link (try a lower --baud, another cable or "
                    f"USB port), or the board was reset or lost power")
        printable = sum(1 for b in sample if 32 <= b < 127 or b in (9, 10, 13))
        if sample and printable >= 0.9 * len(sample):
            text = sample.decode("ascii", "replace").strip().replace("\n", " | ")[:60]
            return (f"{name} is talking, but not the stm32boot protocol: an application is running "
                    f"(it said {text!r}) and did not hand over to the bootloader: link "
                    f"firmware/app/blreq.c into it, or press RESET on the board and run the command "
                    f"within the bootloader's listening window")
        if self.dec.crc_errors:
            return (f"{name} answers, but every frame arrived damaged ({self.dec.crc_errors} bad "
                    f"CRC, {self.bytes_in:,} bytes): electrical noise or a rate the cable cannot "
                    f"carry; try --baud 115200 or another cable")
        return (f"{name} sends bytes that are not the stm32boot protocol ({self.bytes_in:,} bytes, "
                f"e.g. {sample[:12].hex(' ')}): likely a different baud rate on the board (another "
                f"bootloader or application?), or noise; reset the board into the stm32boot bootloader")
