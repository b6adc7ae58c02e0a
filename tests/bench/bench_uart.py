"""UART throughput of the simulator: the SoC test firmware echoes a block through USART3 (polling driver,
PLL3Q kernel clock) at 115200 and 921600 baud over the in-process channel. Prints wall and virtual
bytes/s: the virtual rate is the wire rate a board would show; the wall rate is what the host sustains."""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ELF = os.path.join(ROOT, "build", "testfw", "soc", "soc.elf")


def run(cmd: bytes, n: int):
    from stm32boot.sim.board import build as sim_build
    from stm32boot.sim.channels import InProcessChannel
    chan = InProcessChannel()
    m = sim_build("h735", uart=chan, warn=lambda s: None)
    m.load_elf(ELF)
    m.reset()
    m.run(timeout_s=30, until=lambda: b"?\n" in chan.received)
    chan.take()
    chan.send(cmd)
    if cmd == b"E":
        m.run(timeout_s=30, until=lambda: b"921600\n" in chan.received)
        chan.take()
    payload = bytes((i * 13 + 5) % 251 + 5 for i in range(n))   # never 0x04
    t0v, t0 = m.clock.now, time.monotonic()
    chan.send(payload + b"\x04")
    res = m.run(timeout_s=300)
    wall, virt = time.monotonic() - t0, (m.clock.now - t0v) / 1e12
    ok = chan.take().startswith(payload)
    return res, wall, virt, ok, m.usart3.baud()


def main():
    if not os.path.exists(ELF):
        print("bench_uart: build the test firmwares first (doit testfw)")
        return 1
    n = int(os.environ.get("BENCH_UART_BYTES", "16384"))
    for cmd in (b"e", b"E"):
        res, wall, virt, ok, baud = run(cmd, n)
        print(f"uart echo {n} B at {baud:,.0f} baud: virtual {virt * 1e3:8.1f} ms ({n / virt:9,.0f} B/s), "
              f"wall {wall * 1e3:8.1f} ms ({n / wall:9,.0f} B/s), {res.instructions / wall / 1e6:.1f} MIPS"
              f"{'' if ok and res.reason == 'bkpt' else '  ECHO MISMATCH ' + res.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
