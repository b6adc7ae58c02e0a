"""From an image to a verified board: which sectors to erase, which to skip because the target
already holds them (one on-target CRC round trip), what to stream, and the CRC verification.

Semantics: a sector the image touches ends up holding exactly the image's bytes, the erased value
elsewhere (as after a sector erase); sectors the image does not touch are left alone.
Safety order (issue 4): the bootloader's sectors are never erased; the application's first sector
(its vector table) is erased FIRST and its first write (the vector table) goes LAST; the rest of that
sector streams with the other data, so its memory is not left programming alone at the end.
Speed (issue 17): the other sectors are erased group by group, each group's ERASE queued right behind
the previous group's data in one windowed stream, so the board erases while data keeps coming; a
group is an aligned 64 KB run, which the bootloader erases with one block command where the device
has one, and a memory rewritten whole is erased with one chip-erase command where it has one. A block
the image covers only in part is erased with one block command too when the board's CRCs (asked in the
compare's stream) show its other sectors blank and that is quicker than the sectors one by one: those
blank sectors are then erased and verified with the image's (MemoryPlan.blank_fill); a sector outside
the image that holds anything is never erased. The memories' steps are interleaved by when each would
start on its own memory (typical device times; a sector's erase ahead of its data, the data in PIECE_BYTES
pieces), so a memory that works in the background (the internal flash, see firmware/core/devq.h) erases
and programs while another (the NOR) is busy.
Durability (issue 15): an application is valid only when its whole session completed. The bootloader
invalidates its application record before the session's first erase or write (whatever memory), and
`execute` sends COMMIT only after every written sector verified by CRC; the record is the last thing
programmed (firmware/core/apprec.h). A session cut anywhere leaves the old application untouched with
its record, or no valid record: the bootloader stays and a reflash completes it.
"""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field

from ._protocol import lib
from .boards import Board, Memory
from .image import Image, bootloader_range, split

ERASE, SKIP = "erase", "skip"
# Protocol limits (firmware/core/protocol.h): requests are batched here so a frame never exceeds them,
# whatever the target does with them.
PER_CALL = lib.PROTO_MAX_RANGES      # ranges per CRC request
ERASE_PER_CALL = lib.PROTO_MAX_SECTORS   # sectors per ERASE request
MAX_CHUNK = lib.PROTO_MAX_DATA       # data bytes per WRITE
# Erase/write interleaving unit: the block erase of the SPI/octal NOR families (64 KB: MX25LM51245G,
# N25Q128A, W25Q128JV datasheets), so a group is exactly what one block command erases; larger
# sectors (internal flash) are a group each.
GROUP_BYTES = 64 * 1024
# Data of one memory sent in one go when memories are interleaved (below): small against the bootloader's
# background-write buffer (a board that queues internal flash writes gives it 96 KB, see its iflash.c), so
# it never fills: LEAD_S of programming plus one piece fit in it.
PIECE_BYTES = 16 * 1024


class PlanError(RuntimeError):
    """The plan cannot be carried out safely (nothing has been touched when it is raised)."""


class VerifyError(RuntimeError):
    """The target's CRC differs from the image after writing."""


@dataclass
class SectorPlan:
    addr: int
    size: int
    crc: int                    # CRC-32/MPEG-2 of the sector's intended full content
    pages: list = field(default_factory=list)   # [(addr, view)] runs of pages, blank ones left out
    action: str = ERASE         # ERASE (rewrite) or SKIP (target already holds it)

    @property
    def data_bytes(self) -> int:
        return sum(len(p) for _, p in self.pages)


@dataclass
class MemoryPlan:
    memory: Memory
    image_bytes: int
    sectors: list[SectorPlan]
    # Sectors outside the image, blank on the board, erased with image sectors by one block command
    # (compare() decides; their crc is the blank sector's, they have no pages).
    blank_fill: list[SectorPlan] = field(default_factory=list)

    @property
    def to_rewrite(self) -> list[SectorPlan]:
        """The image's sectors that are erased and written (not the blank ones erased with them)."""
        return [s for s in self.sectors if s.action == ERASE]

    @property
    def to_erase(self) -> list[SectorPlan]:
        """Every sector erased, in address order: the image's to rewrite and the blank ones with them."""
        er = self.to_rewrite
        return sorted(er + self.blank_fill, key=lambda s: s.addr) if self.blank_fill else er

    @property
    def skipped(self) -> list[SectorPlan]:
        return [s for s in self.sectors if s.action == SKIP]

    @property
    def write_bytes(self) -> int:
        return sum(s.data_bytes for s in self.to_rewrite)


@dataclass
class Plan:
    board: Board
    memories: list[MemoryPlan]
    compared: bool = False      # True once the target's CRCs decided what to skip

    @property
    def sectors(self) -> list[SectorPlan]:
        return [s for m in self.memories for s in m.sectors]

    @property
    def write_bytes(self) -> int:
        return sum(m.write_bytes for m in self.memories)

    def describe(self) -> str:
        """The --dry-run text: per memory, sectors to erase and skip, bytes to write."""
        lines = []
        for mp in self.memories:
            m = mp.memory
            er, sk, fill = mp.to_rewrite, mp.skipped, mp.blank_fill
            lines.append(f"{m.name} @ 0x{m.base:08X}: {mp.image_bytes:,} image bytes in "
                         f"{len(mp.sectors)} sector(s): {len(er)} to erase and write "
                         f"({mp.write_bytes:,} bytes), {len(sk)} unchanged"
                         + (f"; {len(fill)} blank sector(s) outside the image erased with them by block "
                            f"commands" if fill else "")
                         + ("" if self.compared else " (target not compared)"))
            for label, group in (("erase", er), ("skip", sk), ("erase blank", fill)):
                if group:
                    lines.append(f"  {label}: " + _ranges_text(group))
        return "\n".join(lines)


def _ranges_text(sectors: list[SectorPlan], limit: int = 8) -> str:
    """'0x08020000..0x0805FFFF (2 sectors), ...' merging adjacent sectors."""
    runs: list[list[int]] = []
    for s in sectors:
        if runs and runs[-1][1] == s.addr:
            runs[-1][1] += s.size
            runs[-1][2] += 1
        else:
            runs.append([s.addr, s.addr + s.size, 1])
    parts = [f"0x{lo:08X}..0x{hi - 1:08X} ({n} sector{'s' if n > 1 else ''})" for lo, hi, n in runs]
    if len(parts) > limit:
        parts = parts[:limit] + [f"... {len(parts) - limit} more run(s)"]
    return ", ".join(parts)


def _default_packer():
    from .native import pack_memory  # the C packer: one pass, CRC per touched sector
    return pack_memory


def _attach_runs(sectors: list[SectorPlan], res) -> None:
    """Give each sector its runs of address-consecutive pages as zero-copy views of the packer's
    one buffer. Per sector a bisect finds its pages; the usual case (no blank page dropped inside)
    is one run, checked in O(1), so a 9 MB image costs ~2k steps, not ~70k per-page ones."""
    addrs, data, ps = res.page_addresses, res.data, res.page_size
    for s in sectors:
        lo = bisect.bisect_left(addrs, s.addr)
        hi = bisect.bisect_left(addrs, s.addr + s.size, lo)
        if hi == lo:
            continue
        if addrs[hi - 1] - addrs[lo] == (hi - 1 - lo) * ps:
            s.pages.append((addrs[lo], data[lo * ps:hi * ps]))
            continue
        first = lo
        for i in range(lo + 1, hi + 1):
            if i == hi or addrs[i] != addrs[i - 1] + ps:
                s.pages.append((addrs[first], data[first * ps:i * ps]))
                first = i


def build(image: Image, board: Board, packer=None) -> Plan:
    """Validate the image against the board and pack it per memory. Touches nothing.
    packer(segments, memory) -> result with .sectors [(addr, size, crc)], .page_addresses,
    .data (pages back to back) and .page_size (stm32boot.native.pack_memory)."""
    packer = packer or _default_packer()
    per_mem = split(image, board)
    bl_lo, bl_hi = bootloader_range(board)
    plans = []
    for mem in board.memories:
        segs = per_mem.get(mem)
        if not segs:
            continue
        res = packer(segs, mem)
        sectors = [SectorPlan(a, n, crc) for a, n, crc in res.sectors]
        _attach_runs(sectors, res)
        for s in sectors:                         # belt and braces: image.split already refused
            if s.addr < bl_hi and s.addr + s.size > bl_lo:
                raise PlanError(f"refusing to erase sector 0x{s.addr:08X}: it holds the bootloader")
        plans.append(MemoryPlan(mem, sum(len(d) for _, d in segs), sectors))
    return Plan(board, plans)


def _batched(items: list, n: int):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def target_crcs(target, ranges: list[tuple[int, int]], per_call: int = PER_CALL) -> list[int]:
    """On-target CRCs of many ranges, a bounded number per request so a frame stays small. A target that
    cuts them into requests itself (`crc_any_count`: our bootloader's, one windowed stream) gets them all
    at once, so the requests follow each other without a round trip between them."""
    if getattr(target, "crc_any_count", False):
        return list(target.crc(ranges))
    out: list[int] = []
    for batch in _batched(ranges, per_call):
        out += list(target.crc(batch))
    return out


def _may_hold_torn_words(plan: Plan, target) -> set:
    """Memories not to read before rewriting: internal flash after a session that did not complete.
    A flash word whose programming was cut has a wrong ECC on the H7 and reading it is a bus error
    (RM0468, embedded flash ECC), which would stop the bootloader in the middle of the CRC request;
    the NOR has no ECC. Uncommitted (HELLO's app_committed is False): rewrite those sectors unread."""
    info = target.info()
    if getattr(info, "app_committed", None) is not False:
        return set()
    return {mp.memory.name for mp in plan.memories if mp.memory.kind == "internal"}


def _blank_crc(size: int, erased: int) -> int:
    from .native import crc32   # the bootloader's CRC (CRC-32/MPEG-2), as the packer's sector CRCs
    return crc32(bytes([erased]) * size)


def _partial_blocks(plan: Plan, mp: MemoryPlan, block: int,
                    protected: int) -> list[tuple[list[SectorPlan], list[SectorPlan]]]:
    """[(image sectors, other sectors)] of each aligned `block` of mp's memory that the image covers in part
    and whose image sectors alone would be slower to erase one by one than the block with one command
    (the question asked before the compare: every image sector counted as changed). The other sectors
    carry the blank sector's CRC, to be compared. Blocks holding a protected sector, the application's
    first sector (erased on its own first, see execute) or bytes past the memory are left out (`protected`:
    bytes at the memory's base the bootloader refuses)."""
    m = mp.memory
    bl_lo, app_start = bootloader_range(plan.board)
    by_block: dict[int, list[SectorPlan]] = {}
    for s in mp.sectors:
        by_block.setdefault(m.base + (s.addr - m.base) // block * block, []).append(s)
    out = []
    for lo, inside in by_block.items():
        if (lo + block > m.end or lo < m.base + protected or lo < app_start and lo + block > bl_lo
                or lo <= app_start < lo + block):
            continue
        ssize = m.sector_at(lo)[1]
        if ssize >= block or len(inside) * ssize == block or not _block_pays(plan.board, m, len(inside), ssize):
            continue
        if any(m.sector_at(a)[1] != ssize for a in range(lo, lo + block, ssize)):
            continue   # uneven sectors in the block: not a NOR block
        have = {s.addr for s in inside}
        crc = _blank_crc(ssize, m.erased)
        out.append((inside, [SectorPlan(a, ssize, crc) for a in range(lo, lo + block, ssize) if a not in have]))
    return out


def compare(plan: Plan, target, per_call: int = PER_CALL) -> None:
    """Mark sectors the target already holds as SKIP, and find the partly covered blocks worth one block
    command (MemoryPlan.blank_fill): their other sectors' CRCs travel in the same request stream, so this
    stays one round trip. Read-only on the target."""
    unread = _may_hold_torn_words(plan, target)
    sectors = [s for mp in plan.memories if mp.memory.name not in unread for s in mp.sectors]
    reported = {m.name: m for m in getattr(target.info(), "memories", [])}
    candidates = []   # (memory plan, image sectors of the block, its other sectors)
    for mp in plan.memories:
        mp.blank_fill = []
        rep = reported.get(mp.memory.name)
        block = getattr(rep, "block_size", 0)
        if mp.memory.name in unread or block != GROUP_BYTES:
            continue   # no block command, or not the one a group (one ERASE request's run) is cut to
        candidates += [(mp, inside, other)
                       for inside, other in _partial_blocks(plan, mp, block, getattr(rep, "protected_size", 0))]
    others = [s for _, _, other in candidates for s in other]
    crcs = target_crcs(target, [(s.addr, s.size) for s in sectors + others], per_call)
    for s, got in zip(sectors, crcs):
        s.action = SKIP if got == s.crc else ERASE
    blank = {s.addr for s, got in zip(others, crcs[len(sectors):]) if got == s.crc}
    for mp, inside, other in candidates:
        # Only a block whose image sectors all change (a block erase would wipe an unchanged one: rewriting
        # it costs its data on the wire) and whose other sectors are all blank.
        if all(s.action == ERASE for s in inside) and all(s.addr in blank for s in other):
            mp.blank_fill += other
    plan.compared = True


def write_order(plan: Plan) -> list[SectorPlan]:
    """Sectors to write, the application's first sector last (see module docstring)."""
    _, app_start = bootloader_range(plan.board)
    todo = [s for m in plan.memories for s in m.to_erase]
    return sorted(todo, key=lambda s: s.addr == app_start)   # stable: others keep their order


def _steps(sectors: list[SectorPlan], board: Board, whole: set) -> list[tuple[list[int], list[SectorPlan]]]:
    """[(sector addresses to erase, sectors to write)]: address-consecutive sectors of one memory cut at
    GROUP_BYTES boundaries; sectors of a memory already erased whole need no erase."""
    steps: list[tuple[list[int], list[SectorPlan]]] = []
    prev = None
    for s in sectors:
        m = board.memory_at(s.addr)
        base = m.base if m is not None else 0
        new = (prev is None or prev.addr + prev.size != s.addr or board.memory_at(prev.addr) is not m
               or (s.addr - base) % max(GROUP_BYTES, s.size) == 0)
        if new:
            steps.append(([], []))
        if base not in whole:
            steps[-1][0].append(s.addr)
        steps[-1][1].append(s)
        prev = s
    return steps


# Typical device times, for ORDER only (timeouts use target.py's worst cases): (seconds per erase of
# ERASE_REF_BYTES, per 64 KB block erase, per programmed byte). Internal flash: 128 KB sector 1.1 s, 32-byte
# word 130 us at x32 (DS13945, flash characteristics); octal/quad NOR: 4 KB sector 25 ms, 64 KB block 220 ms,
# 256-byte page 150 us (MX25LM51245G datasheet, AC characteristics).
TYPICAL = {"internal": (1.1, None, 130e-6 / 32), "external_nor": (0.025, 0.22, 150e-6 / 256)}
ERASE_REF_BYTES = {"internal": 128 * 1024, "external_nor": 4 * 1024}
# A background memory's erase and data go this far ahead of when it should start them: the bootloader
# reaches a request only when the blocking work before it in the stream is done (a NOR step, 64 KB block
# erase + program, up to ~0.26 s after the request's place in the interleaving), and the memory must not
# wait for it meanwhile.
LEAD_S = 0.3


# Typical 4 KB sector and 64 KB block erase times of the NOR parts the boards carry (datasheets, AC
# characteristics): MX25LM51245G 25 / 220 ms, N25Q128A 250 / 700 ms (subsector / sector), W25Q128JV 45 /
# 150 ms. Which part a board has fitted is not reported, so a block command replaces sector erases only
# where it is quicker on every part of the board's description (Board.nor.parts).
NOR_ERASE_TYPICAL = {"mx25lm51245g": (0.025, 0.22), "n25q128a": (0.25, 0.7), "w25q128jv": (0.045, 0.15)}


def _block_pays(board: Board, m: Memory, n: int, size: int) -> bool:
    """One block command erases GROUP_BYTES quicker than n sectors of `size` bytes of m, typically."""
    parts = board.nor.parts if board.nor is not None and m.kind == "external_nor" else ()
    times = [NOR_ERASE_TYPICAL[p] for p in parts if p in NOR_ERASE_TYPICAL] or [TYPICAL.get(m.kind, (1.0, None))[:2]]
    ref = ERASE_REF_BYTES.get(m.kind, size)
    return all(block is not None and block < n * sector * max(1.0, size / ref) for sector, block in times)


def _erase_s(m: Memory | None, n: int, size: int) -> float:
    """Typical seconds to erase n sectors of `size` bytes of m (one block command for a whole 64 KB group)."""
    sector, block, _ = TYPICAL.get(m.kind if m else "", (1.0, None, 1e-5))
    if block is not None and n * size == GROUP_BYTES:
        return block
    return n * sector * max(1.0, size / ERASE_REF_BYTES.get(m.kind if m else "", size))


def interleave(steps: list[tuple[list[int], list[SectorPlan]]], board: Board, max_chunk: int,
               busy_before: dict[int, float] | None = None) -> list[tuple[list[int], list[tuple[int, bytes]]]]:
    """(erase, writes) steps of all memories merged by when each would start on its own memory working
    back to back (typical times; `busy_before`: seconds a memory is already busy, by base), in each
    memory's own order. A step whose sectors are larger than a group (internal flash) becomes its erase,
    then its data in PIECE_BYTES pieces, each its own step sent LEAD_S early (the erase too), so the erase
    runs while other data streams and a memory working in the background never waits for data nor fills
    its buffer."""
    keyed = []
    clock: dict[int, float] = dict(busy_before or {})
    for erase, group in steps:
        m = board.memory_at(group[0].addr) if group else None
        base = m.base if m is not None else -1
        per_byte = TYPICAL.get(m.kind if m else "", (0, 0, 1e-5))[2]
        writes = list(chunks(group, max_chunk))
        size = group[0].size if group else 0
        t = clock.get(base, 0.0)
        if size <= GROUP_BYTES:
            keyed.append((t, len(keyed), (erase, writes)))
            clock[base] = t + _erase_s(m, len(erase), size) + sum(len(d) for _, d in writes) * per_byte
            continue
        if erase:
            keyed.append((t - LEAD_S, len(keyed), (erase, [])))
            t += _erase_s(m, len(erase), size)
        piece: list[tuple[int, bytes]] = []
        for i, w in enumerate(writes):
            piece.append(w)
            n = sum(len(d) for _, d in piece)
            if n >= PIECE_BYTES or i == len(writes) - 1:
                keyed.append((t - LEAD_S, len(keyed), ([], piece)))
                t += n * per_byte
                piece = []
        clock[base] = t
    return [step for _, _, step in sorted(keyed, key=lambda k: (k[0], k[1]))]


def chunks(sectors: list[SectorPlan], max_len: int):
    """Cut each run of pages into writes of at most max_len bytes (a multiple of every page size,
    so writes stay page-aligned); views, no copies."""
    for s in sectors:
        for addr, data in s.pages:
            for off in range(0, len(data), max_len):
                yield addr + off, data[off:off + max_len]


def _vector_table_last(first: list[SectorPlan], max_chunk: int):
    """The application's first sector (already erased) cut in two: its first write, which holds the vector
    table and goes last, and a step with the rest of its data, streamed with everything else."""
    writes = list(chunks(first, max_chunk))
    if not writes:
        return [], []
    s = first[0]
    pages = []
    for addr, data in s.pages:   # the sector's runs less the first write's bytes
        if addr == writes[0][0]:
            addr, data = addr + len(writes[0][1]), data[len(writes[0][1]):]
        if len(data):
            pages.append((addr, data))
    return writes[:1], ([([], [SectorPlan(s.addr, s.size, s.crc, pages)])] if pages else [])


@dataclass
class Result:
    written: int                # payload bytes streamed
    erased: int                 # sectors erased
    skipped: int                # sectors left alone because unchanged
    verified: int               # sectors whose CRC was checked after writing
    wall_s: float
    virtual_s: float | None     # the simulated board's clock, None on real hardware
    blank: int = 0              # of the erased: blank sectors outside the image, erased with their block

    def summary(self, verb: str = "flash") -> str:
        if self.erased == 0:
            head = (f"{verb}: nothing to write, all {self.skipped} sector(s) already hold the "
                    f"image (checked by CRC)")
        else:
            blank = f", {self.blank} of them blank with their block" if self.blank else ""
            head = (f"{verb}: {self.written:,} bytes written ({self.erased} sector(s) erased{blank}, "
                    f"{self.skipped} skipped unchanged), verified by CRC")
        t = f"{self.wall_s:.2f} s wall"
        secs = self.wall_s
        if self.virtual_s is not None:
            t += f", {self.virtual_s:.{2 if self.virtual_s >= 1 else 3}f} s on the simulated board's clock"
            secs = self.virtual_s
        rate = f", {self.written / secs / 1e6:.2f} MB/s" if self.written and secs > 0 else ""
        return f"{head}, {t}{rate}"


def digest(plan: Plan) -> int:
    """The image as the board should now hold it, in 32 bits: CRC of every planned sector's CRC
    (kept in the application record, so a board can be matched to the image that was committed)."""
    from .native import crc32
    return crc32(b"".join(s.crc.to_bytes(4, "little") + s.addr.to_bytes(4, "little") for s in plan.sectors))


def execute(plan: Plan, target, progress=None, max_chunk: int = MAX_CHUNK, per_call: int = PER_CALL) -> Result:
    """Erase, stream, verify. `progress(done_bytes)` follows the board's acknowledgements."""
    t0 = time.monotonic()
    v0 = getattr(target, "virtual_seconds", None)
    if not plan.compared:
        compare(plan, target, per_call)
    order = write_order(plan)
    _, app_start = bootloader_range(plan.board)
    total = sum(s.data_bytes for s in order)
    if progress is not None and hasattr(progress, "total"):
        progress.total = total
    # The application's first sector is erased FIRST: from then on the board has no valid-looking app.
    first = [s for s in order if s.addr == app_start]
    if first:
        target.erase([first[0].addr])
    whole = set()
    for mp in plan.memories:   # a memory rewritten whole: one chip erase where the device has it
        m = mp.memory
        if (hasattr(target, "erase_whole") and len(mp.to_erase) == m.sector_count
                and not any(s.addr == app_start for s in mp.to_erase) and target.erase_whole(m.base)):
            whole.add(m.base)
    mem0 = plan.board.memory_at(first[0].addr) if first else None
    busy = {mem0.base: _erase_s(mem0, 1, first[0].size)} if mem0 is not None else {}
    head, rest = _vector_table_last(first, max_chunk)
    steps = interleave(rest + _steps([s for s in order if s.addr != app_start], plan.board, whole), plan.board,
                       max_chunk, busy)
    steps.append(([], head))
    if total and hasattr(target, "program"):
        target.program(steps, progress=progress)
    else:   # a target without one stream for both (e.g. ST's ROM bootloader): erase all, then write
        for batch in _batched([a for erase, _ in steps for a in erase], min(per_call, ERASE_PER_CALL)):
            target.erase(batch)
        if total:
            target.write((w for _, writes in steps for w in writes), progress=progress)
    if total and progress is not None and hasattr(progress, "finish"):
        progress.finish()
    # Verify whole sectors: written pages AND the erased gaps between them.
    crcs = target_crcs(target, [(s.addr, s.size) for s in order], per_call)
    bad = [(s, got) for s, got in zip(order, crcs) if got != s.crc]
    if bad:
        s, got = bad[0]
        mem = plan.board.memory_at(s.addr)
        raise VerifyError(
            f"verify failed in {len(bad)} sector(s); first: {mem.name if mem else '?'} sector "
            f"0x{s.addr:08X} ({s.size} bytes) has CRC 0x{got:08X}, expected 0x{s.crc:08X}. "
            f"The board holds an incomplete image (its application will not start); the bootloader is "
            f"intact: flash again")
    # Everything verified: only now may the application start (module docstring).
    target.commit(digest(plan))
    v1 = getattr(target, "virtual_seconds", None)
    return Result(
        written=total, erased=len(order), skipped=sum(len(m.skipped) for m in plan.memories),
        blank=sum(len(m.blank_fill) for m in plan.memories),
        verified=len(order), wall_s=time.monotonic() - t0,
        virtual_s=(v1 - v0) if v0 is not None and v1 is not None else None)
