"""Test bench for the protocol: the bootloader's real C core (firmware/core, compiled for the host into
stm32boot._protocol with a RAM port) behind the transport interface of stm32boot.transport, on a
simulated clock that advances with the wire time of the bytes, so windowing and timeouts behave as on a
link. The memories are a board description's (internal flash with the bootloader's sectors protected; the
external NOR cut down to a few MB of RAM)."""
from __future__ import annotations

import dataclasses

from stm32boot import boards
from stm32boot._protocol import ffi, lib
from stm32boot.protocol import KINDS

KB, MB = 1024, 1024 * 1024
KIND_CODES = {name: code for code, name in KINDS.items()}


def core_memories(board, nor_bytes: int = 4 * MB):
    """The board's memories as the host-compiled core serves them: the bootloader's sectors of internal
    flash protected, every other memory cut to its first `nor_bytes` (uniform sectors)."""
    out = []
    for m in board.memories:
        if m.kind == "internal":
            out.append(dataclasses.replace(m, protected_size=board.bootloader_size))
        else:
            (_, sec), = {r for r in m.sectors}
            out.append(dataclasses.replace(m, size=nor_bytes, sectors=((nor_bytes // sec, sec),)))
    return tuple(out)


H735_MEMS = core_memories(boards.get("h735"))
F746_MEMS = core_memories(boards.get("f746"))


class CoreTransport:
    name = "host-compiled bootloader core"
    max_baud = 8_000_000

    def __init__(self, mems=H735_MEMS, baud=115200, broken_bauds=(), board="h735", rx_wrap=0):
        self.broken_bauds = set(broken_bauds)   # rates at which this "cable" garbles everything
        lib.hp_init()
        lib.hp_set_rx_wrap(rx_wrap)   # the core takes received bytes in runs cut where a ring this size wraps
        self.rx_total = 0             # bytes handed to the core since hp_init (where the next one lands)
        lib.hp_set_board(board.encode())
        lib.hp_set_chip_id(boards.get(board).dev_id | 0x1000_0000)   # DBGMCU_IDCODE: REV_ID above DEV_ID
        self.mems = []
        for m in mems:
            runs = ffi.new("uint32_t[]", [v for run in m.sectors for v in run])
            i = lib.hp_add_mem(m.name.encode(), m.base, runs, len(m.sectors), m.protected_size, m.program_unit,
                               m.page_size, m.erased, KIND_CODES[m.kind])
            assert i >= 0
            if m.block_size or m.chip_erase:
                assert lib.hp_set_erase_units(i, m.block_size, int(m.chip_erase)) == 0
            self.mems.append((m.base, m.size, i))
        self.baud = baud
        self.clock = 0.0
        self._buf = ffi.new("uint8_t[]", 1 << 16)

    @property
    def virtual_seconds(self):
        return self.clock

    def byte_time(self):
        return 10.0 / self.baud

    def now(self):
        return self.clock

    def set_baud(self, baud):
        self.baud = baud

    def write(self, data):
        data = bytes(data)
        if self.baud != self.counters()["baud"] or self.baud in self.broken_bauds:
            data = bytes(b ^ 0x5A for b in data)   # both ends at different rates: garbage arrives
        if data:
            lib.hp_rx(data, len(data))
            self.rx_total += len(data)
            self.clock += len(data) * self.byte_time()

    def read(self, timeout):
        lib.hp_set_millis(int(self.clock * 1000) & 0xFFFFFFFF)
        rate = self.counters()["baud"]   # replies produced by this poll leave at the rate before it
        lib.hp_poll(2 * lib.PROTO_WINDOW + 4)
        n = lib.hp_tx(self._buf, len(self._buf))
        if not n:
            self.clock += max(timeout, 0.0)
            lib.hp_set_millis(int(self.clock * 1000) & 0xFFFFFFFF)
            lib.hp_poll(1)
            return b""
        self.clock += n * self.byte_time()
        out = bytes(ffi.buffer(self._buf, n))
        if self.baud != rate or self.baud in self.broken_bauds:
            out = bytes(b ^ 0x5A for b in out)
        return out

    def close(self):
        pass

    # test helpers
    def mem(self, addr, n):
        for base, size, i in self.mems:
            if base <= addr and addr + n <= base + size:
                return bytes(ffi.buffer(lib.hp_mem(i) + (addr - base), n))
        raise ValueError(hex(addr))

    def counters(self):
        out = ffi.new("uint32_t[8]")
        lib.hp_counters(out)
        keys = ("crc_errors", "dropped", "applied", "resets", "run_app", "erases", "programs", "baud")
        return dict(zip(keys, out))


class OlderBootloader:
    """A bootloader of protocol 1 or 2 in front of the core: its HELLO answer as those protocols sent it
    (protocol.h: proto_info, 36 bytes in protocol 1, then proto_mem_v2 per memory with ONE sector size,
    the smallest, as the F746's protocol-2 bootloader reported), everything else the core's own (HELLO,
    READ, CRC, STAGE, UPDATE_BL and RESET are unchanged since protocol 1). `sent` lists the commands the
    host sent, so a test can show the host never asked what such a bootloader does not know."""

    def __init__(self, inner: CoreTransport, mems, version: int = 2):
        from stm32boot import protocol as P
        self.P, self.inner, self.mems, self.version = P, inner, mems, version
        self.up, self.down = P.Decoder(), P.Decoder()
        self.sent: list[int] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def write(self, data):
        self.sent += [f.cmd for f in self.up.feed(bytes(data))]
        self.inner.write(data)

    def read(self, timeout):
        P = self.P
        out = b""
        for f in self.down.feed(self.inner.read(timeout)):
            payload = f.payload
            if f.cmd == P.Cmd.HELLO and f.flags & P.FLAG_REPLY and len(payload) >= P.STATUS.size + P.INFO.size:
                info = P.INFO.decode(payload, P.STATUS.size)._replace(proto_version=self.version)
                head = P.INFO.pack(*info)[:lib.PROTO_INFO_V1_SIZE if self.version == 1 else P.INFO.size]
                mems = b"".join(P.MEM_V2.pack(name=m.name.encode(), base=m.base, size=m.size,
                                              sector_size=min(s for _, s in m.sectors),
                                              protected_size=m.protected_size, program_unit=m.program_unit,
                                              page_size=m.page_size, erased=m.erased, kind=KIND_CODES[m.kind])
                                for m in self.mems)
                payload = payload[:P.STATUS.size] + head + mems
            out += P.encode(f.cmd, f.seq, payload, f.flags)
        return out
