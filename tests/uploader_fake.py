"""Test helpers for the uploader: a FakeTarget with real flash semantics and a slow reference CRC.

FakeTarget speaks the agreed Target interface (host/stm32boot/target.py) over dict-free bytearrays,
one per board memory: erase takes sector start addresses, programming can only clear bits of erased
memory (a program over non-erased bytes raises, like the bootloader's NOT_ERASED), the bootloader
area refuses everything, and every operation is counted so tests can assert what was touched.
"""
from __future__ import annotations

from types import SimpleNamespace

from stm32boot._protocol import lib
from stm32boot.image import bootloader_range


def crc32_ref(data: bytes, crc: int = 0xFFFFFFFF) -> int:
    """CRC-32/MPEG-2, bitwise (the oracle; slow, obviously right)."""
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


try:                                    # the fast C one when built (A's module); same function
    from stm32boot.native import crc32 as _crc32_fast
except Exception:                       # pragma: no cover - before `doit native`
    _crc32_fast = None


def crc32(data: bytes) -> int:
    return _crc32_fast(data) if _crc32_fast else crc32_ref(data)


class FakeError(RuntimeError):
    pass


class FakeTarget:
    def __init__(self, board, chip_id=None, board_name=None, drop_write_at=None, die_after_writes=None):
        self.board = board
        self.mem = {m.name: bytearray([m.erased]) * m.size for m in board.memories}
        self.chip_id = board.dev_id if chip_id is None else chip_id
        self.board_name = board.name if board_name is None else board_name
        self.drop_write_at = drop_write_at     # silently ignore a write covering this address
        self.die_after_writes = die_after_writes   # the link dies after that many writes
        self.erased: list[int] = []
        self.written: list[tuple[int, int]] = []
        self.crc_calls = 0
        self.resets: list[bool] = []
        self.closed = False
        self.virtual_seconds = 0.0
        self.banner = b"stm32boot demo 1.0 NOR table CRC 0x12345678\r\n"
        self.record = None     # the application record (firmware/core/apprec.h): None = invalid

    # -- helpers --
    def _where(self, addr, length=1):
        m = self.board.memory_at(addr, length)
        if m is None:
            raise FakeError(f"address 0x{addr:08X} outside memories")
        return m, self.mem[m.name], addr - m.base

    def _check_bootloader(self, addr, length):
        lo, hi = bootloader_range(self.board)
        if addr < hi and addr + length > lo:
            raise FakeError(f"PROTECTED_BOOTLOADER at 0x{addr:08X}")

    def peek(self, addr, length) -> bytes:
        _, buf, off = self._where(addr, length)
        return bytes(buf[off:off + length])

    def poke(self, addr, data):
        """Set memory content directly (the state a previous flash left)."""
        _, buf, off = self._where(addr, len(data))
        buf[off:off + len(data)] = data
        self.record = "preset"          # as a completed (committed) flash left it

    # -- Target interface --
    def info(self):
        mems = list(self.board.memories)      # a bootloader built for this board reports its description
        return SimpleNamespace(protocol_version=lib.PROTO_VERSION, bootloader_version="1.2", chip_id=self.chip_id,
                               board=self.board_name, memories=mems, max_payload=4112, baud=115200,
                               app_committed=self.record is not None)

    def erase(self, addr_list):
        assert len(addr_list) <= lib.PROTO_MAX_SECTORS, "more sectors than one ERASE frame carries"
        for a in addr_list:
            m, buf, off = self._where(a)
            starts = {s: n for s, n in m.sector_list()}
            if a not in starts:
                raise FakeError(f"ALIGN: 0x{a:08X} is not a sector start")
            self._check_bootloader(a, starts[a])
            self.record = None                     # the bootloader invalidates before any change
            buf[off:off + starts[a]] = bytes([m.erased]) * starts[a]
            self.erased.append(a)
            self.virtual_seconds += 0.001

    def write(self, chunks, progress=None):
        done = 0
        for addr, data in chunks:
            done += len(data)
            if progress:
                progress(done)
            data = bytes(data)
            assert len(data) <= lib.PROTO_MAX_DATA, "chunk larger than PROTO_MAX_DATA"
            m, buf, off = self._where(addr, len(data))
            self._check_bootloader(addr, len(data))
            if addr % m.program_unit or len(data) % m.program_unit:
                raise FakeError(f"ALIGN at 0x{addr:08X}")
            if self.die_after_writes is not None and len(self.written) >= self.die_after_writes:
                raise FakeError("no response: the cable was pulled")
            self.written.append((addr, len(data)))
            self.record = None
            if self.drop_write_at is not None and addr <= self.drop_write_at < addr + len(data):
                continue
            if any(b != m.erased for b in buf[off:off + len(data)]):
                raise FakeError(f"NOT_ERASED at 0x{addr:08X}")
            buf[off:off + len(data)] = data
            self.virtual_seconds += len(data) / 1e6

    def read(self, addr, length):
        return self.peek(addr, length)

    def crc(self, ranges):
        assert len(ranges) <= lib.PROTO_MAX_RANGES, "more ranges than one CRC frame carries"
        self.crc_calls += 1
        return [crc32(self.peek(a, n)) for a, n in ranges]

    def commit(self, image_crc):
        self.record = image_crc

    def reset(self, run_app=True):
        self.resets.append(run_app)

    def console(self, timeout_s=1.0):
        return self.banner if self.resets and self.resets[-1] else b""

    def close(self):
        self.closed = True

    # -- observations --
    def sectors_erased_in(self, name):
        m = self.board.memory(name)
        return [a for a in self.erased if m.base <= a < m.end]


def ref_pack_memory(segments, mem):
    """ref_pack with a boards.Memory (the shape plan.build hands its packer)."""
    return ref_pack(segments, mem.base, mem.size, mem.sector_list(), mem.page_size, mem.erased)


def ref_pack(segments, base, size, sectors, page_size, erased=0xFF):
    """Reference of A's packer (pages without blank ones, touched sectors with intended CRC)."""
    touched = {}
    for addr, data in segments:
        for s_addr, s_size in sectors:
            if s_addr < addr + len(data) and addr < s_addr + s_size:
                touched[s_addr] = s_size
    pages, out_sectors = [], []
    for s_addr in sorted(touched):
        content = bytearray([erased]) * touched[s_addr]
        for addr, data in segments:
            lo, hi = max(addr, s_addr), min(addr + len(data), s_addr + touched[s_addr])
            if lo < hi:
                content[lo - s_addr:hi - s_addr] = data[lo - addr:hi - addr]
        out_sectors.append((s_addr, touched[s_addr], crc32(bytes(content))))
        for p in range(0, len(content), page_size):
            page = bytes(content[p:p + page_size])
            if page.count(erased) != len(page):
                pages.append((s_addr + p, page))
    return SimpleNamespace(pages=pages, sectors=out_sectors, page_size=page_size,
                           page_addresses=[a for a, _ in pages],
                           data=memoryview(b"".join(p for _, p in pages)))


def make_elf(segments, machine=40, elfclass=1) -> bytes:
    """A minimal little-endian ELF32 executable: segments = [(paddr, data, memsz, vaddr)] (memsz and
    vaddr optional). machine 40 = EM_ARM. Enough for pyelftools and for our loader."""
    import struct
    segs = [(s[0], s[1], s[2] if len(s) > 2 else len(s[1]), s[3] if len(s) > 3 else s[0])
            for s in segments]
    ehsize, phsize = 52, 32
    off = ehsize + phsize * len(segs)
    phdrs, blobs = b"", b""
    for paddr, data, memsz, vaddr in segs:
        phdrs += struct.pack("<IIIIIIII", 1, off + len(blobs), vaddr, paddr, len(data), memsz, 5, 4)
        blobs += data
    ident = b"\x7fELF" + bytes([elfclass, 1, 1]) + bytes(9)
    hdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, segs[0][3] if segs else 0,
                              ehsize if segs else 0, 0, 0x05000400, ehsize, phsize, len(segs), 40, 0, 0)
    return hdr + phdrs + blobs
