"""Test bench for the protocol: the bootloader's real C core (firmware/core, compiled for the host into
stm32boot._protocol with a RAM port) behind the transport interface of stm32boot.transport, on a
simulated clock that advances with the wire time of the bytes, so windowing and timeouts behave as on a
link. The memories mirror the h735 board (internal flash with the bootloader sector protected, NOR)."""
from __future__ import annotations

from stm32boot._protocol import ffi, lib

KB, MB = 1024, 1024 * 1024
H735_MEMS = (
    ("flash", 0x0800_0000, 1 * MB, 128 * KB, 128 * KB, 32, 32, 0xFF, lib.PROTO_MEM_INTERNAL),
    ("nor", 0x9000_0000, 4 * MB, 4 * KB, 0, 2, 256, 0xFF, lib.PROTO_MEM_EXTERNAL_NOR),
)


class CoreTransport:
    name = "host-compiled bootloader core"
    max_baud = 8_000_000

    def __init__(self, mems=H735_MEMS, baud=115200, broken_bauds=()):
        self.broken_bauds = set(broken_bauds)   # rates at which this "cable" garbles everything
        lib.hp_init()
        self.mems = []
        for name, base, size, sec, prot, unit, page, erased, kind in mems:
            i = lib.hp_add_mem(name.encode(), base, size, sec, prot, unit, page, erased, kind)
            assert i >= 0
            self.mems.append((base, size, i))
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
