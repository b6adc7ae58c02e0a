"""A board running the stm32boot bootloader, as the uploader sees it (the Target interface agreed with
the uploader): info, erase, write (windowed streaming), read, crc, reset, console, update_bootloader.

    t = open_target(board)                    # the simulated board, default state directory
    t = open_target(board, port="/dev/ttyACM0")
Errors are stm32boot.protocol.ProtocolError subclasses: TargetError (the bootloader refused: address and
cause named), NoResponse (nothing came back: likely causes named).
"""
from __future__ import annotations

import struct
import sys
from typing import Callable, Iterable

from . import compress, protocol as P
from .boards.model import Memory
from .link import Link, Request
from .protocol import Cmd, NoResponse, ProtocolError, TargetError  # noqa: F401
from .targetinfo import TargetInfo, info_from_reply, memory_from_reply, outdated_message
from ._protocol import lib

FAST_BAUDS = (8_000_000, 2_000_000, 921_600)   # exact on STLINK-V3 and our USART clock (perf anchors A2)
SET_BAUD_TRIES = 3                             # copies of a SET_BAUD the link damaged before the next rate
HELLO_TRIES_S = 2.0                            # "a couple of seconds" before saying nobody answers

# Worst-case device times (docs/performance.md): timeouts, not estimates. An internal flash sector erase
# scales with its size (RM0468: 128 KB in 2.2 s max, with margin; a 256 KB sector of an F7 takes twice a
# 128 KB one, STM32F74xxx datasheet, flash memory programming); a NOR's 4 KB sector in 0.8 s (N25Q128A
# maximum), and a request's budget sums its sectors, which also covers one 64 KB block erase (3 s max).
ERASE_S = {"internal": 2.2 * 1.5, "external_nor": 0.8}     # per sector of up to ERASE_REF bytes
ERASE_REF = 128 * 1024
WORD_S = {"internal": 260e-6 / 32, "external_nor": 10e-3 / 256}  # per byte
CRC_BPS = 20e6
# One whole-memory erase (PROTO_ERASE_WHOLE): the MX25LM51245G datasheet's chip-erase maximum, with margin.
CHIP_ERASE_S = {"external_nor": 460 * 1.2}


def erase_time(m: Memory | None, size: int) -> float:
    """Worst-case time to erase one sector of `size` bytes of m."""
    per = ERASE_S.get(m.kind if m else "", 3.3)
    return per * max(1.0, size / ERASE_REF)


NOTICE_S = 0.5   # silence before telling the user to press RESET


class Target:
    compress = True   # compressed writes where the bootloader takes them and they pay (compress.py)
    crc_any_count = True   # crc() takes any number of ranges: PROTO_MAX_RANGES per request, one stream

    def __init__(self, transport, progress: Callable | None = None):
        self.t = transport
        self.link = Link(transport, window=1)
        self.progress = progress
        self._info: TargetInfo | None = None
        self._mems: list[Memory] | None = None   # what CMD_MEMORY answered, until the next reset
        self.link.where = self._mem_name

    # -- session ---------------------------------------------------------------------------------
    def hello(self, within: float = HELLO_TRIES_S, notice: Callable | None = None) -> TargetInfo:
        """HELLO until answered or `within` seconds pass (transport clock). An application that links
        firmware/app/blreq.c resets into the bootloader on the first one and a later one is answered;
        `notice(text)` is called once when no answer (intact or damaged) came for NOTICE_S and more time
        is left.
        Every attempt carries the
        same seq (HELLO restarts the session at its own seq, protocol.h), so an answer to ANY attempt
        is the answer: a round trip longer than the gap between attempts still connects, and measures
        the link's round-trip time (the echoed try count names the attempt answered)."""
        link = self.link
        seq = link.next_seq()
        end = self.t.now() + within
        b0, c0 = link.bytes_in, link.dec.crc_errors
        sent: dict[int, float] = {}
        gap, txn, naks = 0.08, 0, 0
        r = answered = None
        start = self.t.now()
        while r is None:
            now = self.t.now()
            if (notice is not None and not naks and link.dec.crc_errors == c0 and now - start >= NOTICE_S
                    and end - now > NOTICE_S):   # not for a board that answers through a damaging link
                notice(f"Connecting to {self.t.name}... press RESET on the board "
                       f"(waiting up to {within:g} s; --wait sets how long)")
                notice = None
            if now >= end:
                crc, got = link.dec.crc_errors - c0, link.bytes_in - b0
                if naks or crc:
                    raise P.DamagedLink(
                        f"{self.t.name} answers, but the link damages the frames: {txn} HELLO "
                        f"attempt(s), {naks} arrived corrupted at the board, {crc} "
                        f"damaged answer(s) and {got:,} bytes came back without one intact "
                        f"answer; likely causes: noise on the line, a wrong or unstable baud rate (try "
                        f"--baud 115200), another cable or USB port")
                raise NoResponse(link.no_response_message())
            # Attempts 80 ms apart at first: several fit in the bootloader's 200 ms listening window
            # after reset, and each leaves more than the 50 ms of silence that makes the bootloader
            # drop a half-received frame (protocol.h), so a HELLO is never swallowed as its payload.
            # Then further apart: a slow link must not be flooded with copies.
            self.t.write(P.encode(Cmd.HELLO, seq, b"", txn & P.TRY_MASK))
            sent[txn & P.TRY_MASK] = now
            txn += 1
            until = min(end, now + gap)
            gap = min(gap * 1.25, 0.5)
            while r is None and (left := until - self.t.now()) > 0:
                for f in link.feed(self.t.read(left)):
                    if not (f.flags & P.FLAG_REPLY and f.seq == seq and f.cmd == Cmd.HELLO):
                        continue
                    rep = P.parse_reply(f)
                    if rep.status == P.Status.OK:
                        r, answered = rep, f.flags & P.TRY_MASK
                        break
                    if rep.status in (P.Status.BAD_CRC, P.Status.SEQ_ERROR):
                        naks += 1      # our HELLO arrived damaged: the next attempt goes anyway
                    else:
                        raise TargetError(rep.cmd, rep.status, rep.addr, rep.detail)
        now = self.t.now()
        if answered in sent:
            link.rtt_sample(max(0.0, now - sent[answered] - 120 * self.t.byte_time()))
        # Later copies may still be on their way; each would restart the session (and empty the
        # board's reply cache) in the middle of what follows: let them land first.
        last = max(sent.values())
        if sent.get(answered) != last:
            settle = last + 2 * (now - sent.get(answered, last)) + 0.05
            while (left := settle - self.t.now()) > 0:
                link.feed(self.t.read(left))
        info = info_from_reply(r.data)
        self.link.window = max(1, min(info.window, P.WINDOW))
        if info.protocol_version >= 3:
            if self._mems is None or len(self._mems) != info.n_mems:
                self._mems = self._query_memories(info.n_mems)
            info.memories = list(self._mems)
        self._info = info
        return info

    def _query_memories(self, n: int) -> list[Memory]:
        """CMD_MEMORY for each of the n memories (protocol.h, connecting), all in one window."""
        got: dict[int, Memory] = {}

        def on_reply(k):
            def cb(r: P.Reply):
                got[k] = memory_from_reply(k, r.data)
            return cb
        self.link.stream(Request(Cmd.MEMORY, P.MEMORY_REQ.pack(index=k), 0.02, on_reply(k)) for k in range(n))
        return [got[k] for k in range(n)]

    def _mem_name(self, addr: int) -> str | None:
        m = self._mem(addr) if self._info else None
        return m.name if m else None

    def _call_once(self, cmd: int, payload: bytes, wait: float) -> P.Reply:
        """One frame, one wait, no retransmission (SET_BAUD / RESET: safe to repeat by hand)."""
        seq = self.link.next_seq()
        self.t.write(P.encode(cmd, seq, payload))
        end = self.t.now() + wait + self.link.turnaround()
        while True:
            left = end - self.t.now()
            if left <= 0:
                raise NoResponse(self.link.no_response_message())
            for f in self.link.feed(self.t.read(left)):
                if f.flags & P.FLAG_REPLY and f.seq == seq and f.cmd == cmd:
                    r = P.parse_reply(f)
                    if r.status in (P.Status.BAD_CRC, P.Status.SEQ_ERROR):   # not applied: damaged or out of step
                        raise P.DamagedLink(f"{P.Cmd(cmd).name} arrived damaged or out of sequence")
                    if r.status != P.Status.OK:
                        raise TargetError(r.cmd, r.status, r.addr, r.detail)
                    return r

    def negotiate_baud(self, want: int | None = None) -> int:
        """Move to `want`, or to the fastest rate both ends support, falling back one step at a time:
        SET_BAUD is acknowledged at the old rate; the host then HELLOs at the new one within the
        bootloader's window, or the bootloader reverts and we try the next rate."""
        info = self._info or self.hello()
        top = min(info.max_baud, getattr(self.t, "max_baud", info.max_baud))
        if want is not None and not (isinstance(want, int) and 0 < want <= 0xFFFFFFFF):
            raise ProtocolError(f"cannot ask for {want} baud: give a positive rate up to {top}")
        rates = [want] if want else [b for b in FAST_BAUDS if b <= top]
        old = info.baud
        rates = [r for rate in rates for r in (rate,) * SET_BAUD_TRIES]   # a damaged request: the same rate again
        retry = False
        for k, rate in enumerate(rates):
            if rate == old:
                return rate
            if k and rates[k - 1] == rate and not retry:
                continue   # refused, or its HELLO failed: that rate is settled
            retry = False
            try:
                self._call_once(Cmd.SET_BAUD, P.BAUD_REQ.pack(baud=rate, window_ms=lib.PROTO_BAUD_WINDOW_MS), 1.0)
            except TargetError:
                continue
            except P.DamagedLink:
                # Not applied (the board said so): meet it at the old rate, where HELLO puts both ends
                # back in step, and ask for the same rate again.
                self.hello(within=lib.PROTO_BAUD_WINDOW_MS / 1000 + HELLO_TRIES_S)
                retry = True
                continue
            except NoResponse:
                # The request or its acknowledgement was lost: the board may have switched, and then
                # reverts after its window. Meet it at the old rate and try the next rate.
                self.hello(within=lib.PROTO_BAUD_WINDOW_MS / 1000 + HELLO_TRIES_S)
                continue
            self.t.set_baud(rate)
            try:
                got = self.hello(within=lib.PROTO_BAUD_WINDOW_MS / 1000 * 0.6 + self.link.turnaround()).baud
                if got == rate:
                    return rate
                self.t.set_baud(got)   # the board acknowledged but stayed (rate out of its range)
                old = got
                continue
            except (NoResponse, P.DamagedLink):
                self.t.set_baud(old)   # the bootloader falls back after its window
                self.hello(within=lib.PROTO_BAUD_WINDOW_MS / 1000 + HELLO_TRIES_S)
        if want:
            rates = sorted({b for b in FAST_BAUDS + (lib.PROTO_DEFAULT_BAUD,) if b <= top}, reverse=True)
            raise ProtocolError(f"--baud {want}: the link cannot run at exactly {want} baud (it stays at {old}); "
                                f"this board and adapter support {', '.join(f'{b:,}' for b in rates)}")
        return old

    # -- the Target interface ----------------------------------------------------------------------
    def info(self) -> TargetInfo:
        return self._info or self.hello()

    def _mem(self, addr: int, n: int = 1) -> Memory | None:
        for m in self.info().memories:
            if m.contains(addr, n):
                return m
        return None

    def _changes_allowed(self) -> None:
        """An older bootloader can still be read and updated, but not flashed: it would start an
        application whose session did not complete (firmware/core/apprec.h came with protocol 2)."""
        i = self.info()
        if i.protocol_version < lib.PROTO_VERSION:
            raise ProtocolError(outdated_message(i))
        i.app_committed = False   # the bootloader invalidates its record before this change (apprec.h)

    def _erase_reqs(self, addr_list):
        """ERASE requests of at most PROTO_MAX_SECTORS sectors, cut at every multiple of that many sectors
        in the memory, so every aligned run of sectors that fills a device erase block (e.g. 64 KB of 4 KB
        NOR sectors) travels in one request and the bootloader erases it with one block command."""
        batch: list[int] = []
        n, t = P.MAX_SECTORS, 0.0
        for a in list(addr_list) + [None]:
            m = self._mem(a) if a is not None else None
            cut = a is None or len(batch) == n or (m is not None and m.sector_index(a) % n == 0)
            if batch and cut:
                yield Request(Cmd.ERASE, b"".join(P.U32.pack(x) for x in batch), t)
                batch, t = [], 0.0
            if a is not None:
                batch.append(a)
                t += erase_time(m, m.sector_at(a)[1] if m else ERASE_REF)

    def erase(self, addr_list: list[int]) -> None:
        self._changes_allowed()
        self.link.stream(self._erase_reqs(addr_list))

    def _write_req(self, addr: int, piece, acked) -> Request:
        m = self._mem(addr, len(piece))
        t = 0.02 + len(piece) * WORD_S.get(m.kind if m else "", 1e-5)
        z = (compress.pack(piece, self.t.byte_time(), m.kind if m else None, compress.decode_time(self.info()))
             if self.compress and compress.supported(self.info()) else None)
        cmd, body = (Cmd.WRITE, piece) if z is None else (Cmd.WRITE_Z, z)   # the same write, fewer bytes
        t += 0 if z is None else len(piece) * compress.DECODE_S_PER_BYTE
        return Request(cmd, P.WRITE_REQ.pack(addr=addr) + body, t, acked(len(piece)),
                       lambda n, a=addr, p=piece: [self._write_req(a + o, p[o:o + n], acked)
                                                   for o in range(0, len(p), n)])

    def erase_whole(self, base: int) -> bool:
        """Erase the memory at `base` with one whole-chip command; False (nothing erased) when the
        bootloader or the memory has none (then erase its sectors)."""
        m = self._mem(base)
        if m is None or m.base != base or m.protected_size or not m.chip_erase:
            return False    # holds the bootloader, or no such command: erased sector by sector
        self._changes_allowed()
        try:
            self.link.call(Cmd.ERASE, P.U32.pack(base | lib.PROTO_ERASE_WHOLE),
                           op_time=CHIP_ERASE_S.get(m.kind, 600.0))
        except TargetError as e:
            if e.status in (P.Status.ALIGN, P.Status.BAD_LEN):
                return False
            raise
        return True

    def _write_reqs(self, chunks, acked):
        for addr, data in chunks:
            mv = memoryview(data).cast("B")
            off = 0
            while off < len(mv):
                n = self.link.data_size        # the link's current frame size (it adapts)
                yield self._write_req(addr + off, mv[off:off + n], acked)
                off += n

    def _acker(self, progress):
        progress = progress or self.progress
        done = 0

        def acked(n):
            def cb(_r):
                nonlocal done
                done += n
                if progress:
                    progress(done)
            return cb
        return acked

    def write(self, chunks: Iterable[tuple[int, bytes]], progress: Callable | None = None) -> None:
        self._changes_allowed()
        self.link.stream(self._write_reqs(chunks, self._acker(progress)))

    def program(self, steps: Iterable[tuple[list[int], Iterable[tuple[int, bytes]]]],
                progress: Callable | None = None) -> None:
        """(sectors to erase, chunks to write) steps in ONE windowed stream: the next step's erase is
        queued right behind the previous step's data, so the board erases while data keeps arriving
        instead of the link waiting for every erase to end before the first write."""
        self._changes_allowed()
        acked = self._acker(progress)

        def reqs():
            for erase, chunks in steps:
                yield from self._erase_reqs(erase)
                yield from self._write_reqs(chunks, acked)
        self.link.stream(reqs())

    def read(self, addr: int, length: int) -> bytes:
        parts: dict[int, bytes] = {}   # replies may complete out of order after a retransmission

        def req(a: int, n: int) -> Request:
            return Request(Cmd.READ, P.READ_REQ.pack(addr=a, len=n), 0.02,
                           lambda r, a=a: parts.__setitem__(a, r.data),
                           lambda k, a=a, n=n: [req(a + o, min(k, n - o)) for o in range(0, n, k)])

        def reqs():
            a = addr
            while a < addr + length:
                n = min(self.link.data_size, addr + length - a)
                yield req(a, n)
                a += n
        self.link.stream(reqs())
        return b"".join(parts[a] for a in sorted(parts))

    def crc(self, ranges: list[tuple[int, int]]) -> list[int]:
        out: dict[int, list[int]] = {}
        ranges = list(ranges)
        n = P.MAX_RANGES

        def reqs():
            for i in range(0, len(ranges), n):
                part = ranges[i:i + n]
                payload = b"".join(P.RANGE.pack(addr=a, len=ln) for a, ln in part)
                t = 0.05 + sum(ln for _, ln in part) / CRC_BPS
                yield Request(Cmd.CRC, payload, t, lambda r, i=i, k=len(part): out.__setitem__(
                    i, [P.U32.unpack_from(r.data, 4 * j)[0] for j in range(k)]))
        self.link.stream(reqs())
        return [c for i in sorted(out) for c in out[i]]

    def commit(self, image_crc: int) -> None:
        """Mark the application valid: the bootloader writes its application record (firmware/core/apprec.h).
        Call only after every range of the session verified; until then the board keeps the application
        from starting."""
        self.link.call(Cmd.COMMIT, P.COMMIT_REQ.pack(image_crc=image_crc & 0xFFFFFFFF),
                       op_time=0.1 + max(ERASE_S.values()))   # at most one sector erase + one program
        self.info().app_committed = True

    def reset(self, run_app: bool = True) -> None:
        flags = lib.PROTO_RESET_RUN_APP if run_app else 0
        try:
            self._call_once(Cmd.RESET, P.U32.pack(flags), 0.5)
        except NoResponse:
            pass   # the reply may be lost to the reset itself
        if hasattr(self.t, "after_reset"):
            self.t.after_reset()
        self._info = self._mems = None
        self.link.dec = P.Decoder()

    def boot_status(self):
        """Verified-boot state (bootstatus.BootStatus), or None from a bootloader without the command."""
        from .bootstatus import BootStatus
        try:
            r = self.link.call(Cmd.BOOT_STATUS, b"")
        except TargetError as e:
            if e.status == P.Status.BAD_CMD:
                return None
            raise
        return BootStatus.decode(r.data)

    def update_bootloader(self, blob: bytes) -> None:
        """Replace the bootloader (sector 0): stage `blob` in the bootloader's RAM, let its RAM updater
        rewrite and verify the sector and reset, then check the new sector by CRC through the new
        bootloader. A failure in the middle leaves the ST ROM bootloader (BOOT0 high) as the way back."""
        from .native import crc32
        blob = bytes(blob)
        want = crc32(blob)
        try:
            self.link.stream(Request(Cmd.STAGE, P.WRITE_REQ.pack(addr=off) + blob[off:off + P.MAX_DATA], 0.02)
                             for off in range(0, len(blob), P.MAX_DATA))
        except TargetError as e:
            if e.status != P.Status.BAD_CMD:
                raise
            raise ProtocolError(
                f"the bootloader on this board (version {self.info().bootloader_version}) cannot replace "
                f"itself (self-update came with version 1.1); the board is unchanged. Reflash sector 0 once "
                f"with the ST ROM bootloader (BOOT0 high) or a debug probe; a simulated board: start it "
                f"blank (`--state` on a new directory) and it gets the current bootloader") from None
        signed = blob[:4] == bytes.fromhex("3db8f396")   # MCUboot magic: for a release bootloader
        try:
            self.link.call(Cmd.UPDATE_BL, P.UPDATE_REQ.pack(len=len(blob), crc=want), op_time=0.2)
        except TargetError as e:
            st = self.boot_status() if e.status == P.Status.BAD_IMAGE else None
            if st is None or not st.release:
                raise
            from .bootstatus import describe
            raise ProtocolError(f"the release bootloader refused the update: {describe(e.detail)}; "
                                f"the board is unchanged") from None
        # erase (up to 2.2 s) + program + reset: then the NEW bootloader must answer
        self.link.dec = P.Decoder()
        self._info = self._mems = None
        self.hello(within=8.0)
        if signed:   # a release bootloader: no partial CRC; it reports the version it now runs
            st = self.boot_status()
            v = struct.unpack_from("<BBH", blob, 20)   # MCUboot header ih_ver (major, minor, revision)
            if st is None or not st.release or st.version != (v[0] << 24 | v[1] << 16 | v[2]):
                raise ProtocolError("bootloader update failed: the board does not run the new release bootloader; "
                                    "if it no longer answers, recover it with the ST ROM bootloader (BOOT0 high)")
            return
        flash = self.info().memories[0]
        base = flash.base
        st = self.boot_status()
        if st is not None and st.release:   # a release bootloader now (first install): whole sectors only
            last, size = flash.sector_at(base + len(blob) - 1)
            n = last + size - base
            blob, want = blob + b"\xff" * (n - len(blob)), crc32(blob + b"\xff" * (n - len(blob)))
        got = self.crc([(base, len(blob))])[0]
        if got != want:
            raise ProtocolError(f"bootloader update failed: sector 0 reads back with CRC 0x{got:08X}, "
                                f"expected 0x{want:08X}; if the board no longer answers, recover it with the "
                                f"ST ROM bootloader (BOOT0 high, then reset)")

    def console(self, timeout_s: float) -> bytes:
        """What arrives on the UART for `timeout_s` (after reset: the application's output)."""
        out = bytearray()
        end = self.t.now() + timeout_s
        while (left := end - self.t.now()) > 0:
            out += self.t.read(left)
        return bytes(out)

    @property
    def virtual_seconds(self):
        return self.t.virtual_seconds

    def close(self) -> None:
        self.t.close()


def open_target(board, port: str | None = None, state_dir=None, baud: int | None = None,
                progress: Callable | None = None, transport=None, wait: float | None = None,
                before: str | None = None) -> Target:
    """Open the board: a real serial port, or (no port) the simulated board with its default state
    directory. `before` (stm32boot.reset): how to reach the bootloader. Says hello and moves the link
    to the fastest common rate (or `baud`)."""
    if transport is None:
        if port:
            from .transport import SerialTransport
            transport = SerialTransport(port, board.console.default_baud)
        else:
            from .sim_link import SimTransport
            transport = SimTransport(board, state_dir=state_dir)
    t = Target(transport, progress)
    try:
        _before(t, board, before)
        t.hello(within=HELLO_TRIES_S if wait is None else wait,
                notice=lambda text: print(text + _reset_hint(transport, board, before), file=sys.stderr,
                                          flush=True))
        t.negotiate_baud(baud)
    except BaseException:
        t.close()
        raise
    return t


def _before(t: Target, board, before: str | None) -> None:
    """--before: reset the board by line or by its simulated reset input, just before the first HELLO."""
    from .reset import before_connect
    done = before_connect(t.t, board, before)
    if done:
        print(f"before: {done}", file=sys.stderr, flush=True)


def _reset_hint(transport, board, before) -> str:
    """Appended to "press RESET": the --before that would do it from here, when one can."""
    from .reset import hint
    return hint(transport, board, before)
