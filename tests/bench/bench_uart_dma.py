"""UART RX by DMA throughput of the simulator: tests/firmware/dma receives a block through USART3 + DMA1 into
a 32 KB AXI-SRAM ring (firmware/drivers/h7/uart_dma.c) and CRCs it. Half-ring consumer (HT/TC flag waits) for
1 MB at 921600 and 7.3728 Mbaud, and the byte-at-a-time getc consumer (bootloader style) on a smaller block.
Prints wall and virtual bytes/s: virtual is the wire rate a board would show; wall is what the host sustains
(compare with bench_uart.py, the polling path)."""
import os
import struct
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ELF = os.path.join(ROOT, "build", "testfw", "dma", "dma_fw.elf")


def run(baud: int, n: int, chunk: int):
    from stm32boot.native import crc32
    from stm32boot.sim.board import build as sim_build
    from stm32boot.sim.channels import InProcessChannel
    chan = InProcessChannel()
    m = sim_build("h735", uart=chan, warn=lambda s: None)
    m.load_elf(ELF)
    m.reset()
    m.run(timeout_s=30, until=lambda: b"?\n" in chan.received)
    chan.take()
    chan.send(b"R" + struct.pack("<III", baud, n, chunk))
    m.run(timeout_s=30, until=lambda: b"ready\n" in chan.received)
    chan.take()
    payload = bytes((i * 7 + (i >> 8)) & 0xFF for i in range(n))
    t0v, t0 = m.clock.now, time.monotonic()
    chan.send(payload)
    res = m.run(timeout_s=600)
    wall, virt = time.monotonic() - t0, (m.clock.now - t0v) / 1e12
    ok = f"crc={crc32(payload)}".encode() in chan.take() and res.reason == "bkpt"
    return wall, virt, ok, res


def main():
    if not os.path.exists(ELF):
        print("bench_uart_dma: build the test firmwares first (doit testfw)")
        return 1
    n = int(os.environ.get("BENCH_UART_DMA_BYTES", str(1 << 20)))
    cases = [(921_600, n, 0, "half-ring"), (7_372_800, n, 0, "half-ring"),
             (921_600, max(n // 16, 1), 1, "getc"), (7_372_800, max(n // 16, 1), 1, "getc")]
    for baud, size, chunk, kind in cases:
        wall, virt, ok, res = run(baud, size, chunk)
        print(f"uart dma rx {size:8d} B at {baud:>9,} baud ({kind:9s}): virtual {virt:7.3f} s "
              f"({size / virt:10,.0f} B/s, wire {size * 10 / baud:7.3f} s), wall {wall:6.3f} s "
              f"({size / wall:10,.0f} B/s){'' if ok else '  MISMATCH ' + res.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
