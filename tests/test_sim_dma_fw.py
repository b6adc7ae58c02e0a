"""USART3 RX by DMA proven from the firmware side: tests/firmware/dma runs firmware/drivers/h7/uart_dma.c on the
simulated H735 (DMA1 + DMAMUX1 + USART3 models) and reports what it received over USART3."""
import os
import struct

import pytest

from stm32boot.native import crc32
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.channels import InProcessChannel
from stm32boot.sim.clock import PS_PER_S
from fw_report import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELF = os.path.join(ROOT, "build", "testfw", "dma", "dma_fw.elf")
@pytest.fixture(autouse=True)
def _built():
    # `doit test` builds first, so a missing image is a broken build, not a reason to skip.
    assert os.path.exists(ELF), "build the test firmwares: doit testfw"


def boot(cmd: bytes):
    chan = InProcessChannel()
    m = sim_build("h735", strict=True, uart=chan)
    m.load_elf(ELF)
    m.reset()
    res = m.run(timeout_s=30, until=lambda: b"?\n" in chan.received)
    assert res.reason == "until", res
    chan.take()
    chan.send(cmd)
    res = m.run(timeout_s=30, until=lambda: b"ready\n" in chan.received)
    assert res.reason == "until", res
    chan.take()
    return m, chan


def pattern(n):
    return bytes((i * 7 + (i >> 8) + (i >> 16)) & 0xFF for i in range(n))


@pytest.mark.parametrize("baud", [921_600, 7_372_800])   # 7.3728 Mbaud: the fastest exact PLL3Q rate (OVER8)
def test_256k_block_arrives_byte_exact_at_wire_time(baud):
    n = 256 * 1024
    m, chan = boot(b"R" + struct.pack("<III", baud, n, 0))
    assert m.usart3.baud() == pytest.approx(baud, rel=1e-6)
    payload = pattern(n)
    t0 = m.clock.now
    chan.send(payload)
    res = m.run(timeout_s=120)
    assert res.reason == "bkpt", res
    got = report(chan)
    assert got == {"n": n, "crc": crc32(payload), "lost": 0, "err": "ok"}
    assert m.read(0x2400_0000 + (n - 16) % (32 * 1024), 16) == payload[-16:]   # the ring in AXI SRAM
    wire = n * 10 / baud
    assert (m.clock.now - t0) / PS_PER_S == pytest.approx(wire, rel=0.03)
    assert not m.usart3.lost


def test_small_chunks_use_the_ndtr_path_and_still_match():
    n = 5000   # 100-byte waits: NDTR polling, never reaching a half-ring boundary on their own
    m, chan = boot(b"R" + struct.pack("<III", 921_600, n, 100))
    payload = pattern(n)
    t0 = m.clock.now
    chan.send(payload)
    res = m.run(timeout_s=60)
    assert res.reason == "bkpt", res
    assert report(chan) == {"n": n, "crc": crc32(payload), "lost": 0, "err": "ok"}
    assert (m.clock.now - t0) / PS_PER_S == pytest.approx(n * 10 / 921_600, rel=0.03)


def test_ring_in_dtcm_reports_the_transfer_error():
    m, chan = boot(b"D")
    chan.send(b"x")
    res = m.run(timeout_s=30)
    assert res.reason == "bkpt", res
    got = report(chan)
    assert got["teif"] == 1 and got["en"] == 0
    assert "TEIF" in got["err"]
    assert m.dma1.transfer_errors and "DTCM" in m.dma1.transfer_errors[0][2]


def test_reader_lapped_by_the_dma_sees_an_overflow():
    m, chan = boot(b"O" + struct.pack("<I", 600))
    chan.send(bytes(600))   # 600 bytes into a 256-byte ring while the firmware sleeps
    res = m.run(timeout_s=60)
    assert res.reason == "bkpt", res
    got = report(chan)
    assert got["overflow"] == 1 and got["lost"] >= 256


def test_byte_at_a_time_getc_consumer_as_a_bootloader_loop():
    n = 3000
    m, chan = boot(b"R" + struct.pack("<III", 921_600, n, 1))
    payload = pattern(n)
    t0 = m.clock.now
    chan.send(payload)
    res = m.run(timeout_s=60)
    assert res.reason == "bkpt", res
    assert report(chan) == {"n": n, "crc": crc32(payload), "lost": 0, "err": "ok"}
    assert (m.clock.now - t0) / PS_PER_S == pytest.approx(n * 10 / 921_600, rel=0.03)
