"""The windowed sender of the stm32boot wire protocol (frames, layouts and statuses: protocol.py): up to
`window` request frames in flight, go-back-N retransmission on a sequence gap or a CRC NAK, the oldest
frame alone on a timeout or a lost answer; the firmware never applies a retransmitted frame twice (it
answers from its reply record). The sender adapts to the link (see Link)."""
from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable

from .protocol import (FLAG_REPLY, MAX_DATA, TRY_MASK, WINDOW, Cmd, DamagedLink, Decoder, Frame, NoResponse,
                       Reply, Status, TargetError, encode, parse_reply, text)


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
        if req.cmd in (Cmd.ERASE, Cmd.WRITE, Cmd.WRITE_Z):   # WRITE_Z: a WRITE, decoded first
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
                    f"(press RESET on the board and run the command again, or pass --before reset where the "
                    f"board's reset line is wired; holding BOOT starts ST's ROM bootloader, not ours), "
                    f"another program holds the port")
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
