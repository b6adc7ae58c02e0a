"""USART model: wire timing on the virtual clock, pins, overrun, lost bytes; driven through registers."""
import os
import select

import pytest

from stm32boot import _regs
from stm32boot.sim.channels import PtyChannel, TcpChannel
from stm32boot.sim.clock import PS_PER_S
from sim_soc_fake import make_soc, rd, run_until, wr

C = _regs.lib
FRAME_115200 = 10 * PS_PER_S / 115200


def setup_uart(m, brr=556, pins=True, cr1_extra=0):
    wr(m.rcc, C.RCC_APB1LENR, C.RCC_APB1LENR_USART3EN)
    wr(m.rcc, C.RCC_AHB4ENR, C.RCC_AHB4ENR_GPIODEN)
    if pins:
        wr(m.gpiod, C.GPIO_AFRH, 0x77)
        wr(m.gpiod, C.GPIO_MODER, rd(m.gpiod, C.GPIO_MODER) & ~(0xF << 16) | 0xA << 16)
    u = m.usart3
    wr(u, C.USART_BRR, brr)
    wr(u, C.USART_CR1, C.USART_CR1_UE | C.USART_CR1_TE | C.USART_CR1_RE | cr1_extra)
    return u


def test_baud_from_kernel_clock_and_brr():
    m = make_soc()
    u = setup_uart(m)
    assert u.baud() == pytest.approx(64e6 / 556)
    wr(u, C.USART_CR1, 0)
    wr(u, C.USART_BRR, 0x45)   # OVER8: USARTDIV = 0x4A -> 2*64e6/74
    wr(u, C.USART_CR1, C.USART_CR1_OVER8 | C.USART_CR1_UE)
    assert u.baud() == pytest.approx(2 * 64e6 / 0x4A)


def test_tx_bytes_leave_at_the_wire_rate():
    m = make_soc()
    u = setup_uart(m)
    isr = rd(u, C.USART_ISR)
    assert isr & C.USART_ISR_TEACK and isr & C.USART_ISR_REACK and isr & C.USART_ISR_TXE
    for b in b"hi!":
        run_until(m, lambda: rd(u, C.USART_ISR) & C.USART_ISR_TXE)
        wr(u, C.USART_TDR, b)
    assert not rd(u, C.USART_ISR) & C.USART_ISR_TC
    run_until(m, lambda: rd(u, C.USART_ISR) & C.USART_ISR_TC)
    assert m.chan.take() == b"hi!"
    times = [t for t, _ in m.chan.tx_log]
    frame = 10 * PS_PER_S / u.baud()
    assert times[0] == pytest.approx(frame, rel=1e-6)
    assert times[2] - times[1] == pytest.approx(frame, rel=1e-6)


def test_rx_bytes_arrive_one_frame_apart_and_a_late_reader_gets_ore():
    m = make_soc()
    u = setup_uart(m)
    m.chan.send(b"abc")   # the host writes all at once
    assert not rd(u, C.USART_ISR) & C.USART_ISR_RXNE      # nothing is on the wire yet
    run_until(m, lambda: rd(u, C.USART_ISR) & C.USART_ISR_RXNE)
    assert m.clock.now == pytest.approx(10 * PS_PER_S / u.baud(), rel=1e-6)
    assert rd(u, C.USART_RDR) == ord("a")
    # Read too late: 'b' waits in RDR while 'c' completes -> ORE, 'c' lost
    m.clock.advance_to(m.clock.now + 3 * int(10 * PS_PER_S / u.baud()))
    isr = rd(u, C.USART_ISR)
    assert isr & C.USART_ISR_ORE and isr & C.USART_ISR_RXNE
    assert rd(u, C.USART_RDR) == ord("b")
    assert [(b, why[:7]) for _, b, why in u.lost] == [(ord("c"), "overrun")]
    wr(u, C.USART_ICR, C.USART_ICR_ORECF)
    assert not rd(u, C.USART_ISR) & C.USART_ISR_ORE
    assert rd(u, C.USART_ISR) & C.USART_ISR_IDLE


def test_fifo_mode_holds_eight_bytes():
    m = make_soc()
    u = setup_uart(m, cr1_extra=C.USART_CR1_FIFOEN)
    m.chan.send(bytes(range(9)))
    rd(u, C.USART_ISR)
    m.clock.advance_to(int(10 * 10 * PS_PER_S / u.baud()))
    assert rd(u, C.USART_ISR) & C.USART_ISR_ORE
    assert [rd(u, C.USART_RDR) for _ in range(8)] == list(range(8))


def test_bytes_are_lost_with_receiver_off_or_pins_not_routed():
    m = make_soc()
    u = setup_uart(m, pins=False)
    m.chan.send(b"x")
    rd(u, C.USART_ISR)
    m.clock.advance_to(int(2 * FRAME_115200))
    assert not rd(u, C.USART_ISR) & C.USART_ISR_RXNE
    assert "alternate function" in u.lost[0][2]
    wr(u, C.USART_CR1, C.USART_CR1_UE | C.USART_CR1_TE)   # RE=0
    wr(u, C.USART_TDR, ord("y"))
    m.clock.advance_to(m.clock.now + int(2 * FRAME_115200))
    assert m.chan.take() == b""   # TX pin not routed either


def test_clock_gate_off_reads_zero():
    m = make_soc()
    assert rd(m.usart3, C.USART_ISR) == 0
    wr(m.usart3, C.USART_BRR, 100)
    wr(m.rcc, C.RCC_APB1LENR, C.RCC_APB1LENR_USART3EN)
    assert rd(m.usart3, C.USART_BRR) == 0


def test_pty_channel_opens_with_pyserial_in_raw_mode():
    serial = pytest.importorskip("serial")
    ch = PtyChannel(announce=None)
    try:
        s = serial.Serial(ch.path, 115200, timeout=1)
        s.write(b"\x7f\x00ping")   # 0x7F would be ERASE in cooked mode
        s.flush()
        select.select([ch.fileno()], [], [], 1)
        got = bytes(b for b, _ in ch.read_available())
        assert got == b"\x7f\x00ping"
        ch.write(b"pong\r\n", 0)
        ch.flush()      # guest output leaves in batches (at the latest when the board idles)
        assert s.read(6) == b"pong\r\n"
        s.close()
    finally:
        ch.close()


def test_tcp_channel_serves_pyserial_socket_url():
    serial = pytest.importorskip("serial")
    ch = TcpChannel(0, announce=None)
    try:
        s = serial.serial_for_url(f"socket://127.0.0.1:{ch.port}", timeout=1)
        s.write(b"abc")
        assert ch.wait_readable(1.0)
        assert bytes(b for b, _ in ch.read_available()) == b"abc"
        ch.write(b"xyz", 0)
        ch.flush()
        assert s.read(3) == b"xyz"
        s.close()
    finally:
        ch.close()


def test_debian_stm32flash_opens_the_pty_and_sends_its_sync_byte():
    import shutil
    import subprocess
    import time
    assert shutil.which("stm32flash"), "Debian's stm32flash is our interop peer: ./dev installs it"
    ch = PtyChannel(announce=None)
    proc = subprocess.Popen(["stm32flash", "-m", "8n1", "-b", "115200", ch.path],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        got = b""
        deadline = time.monotonic() + 10
        while 0x7F not in got and time.monotonic() < deadline and proc.poll() is None:
            if ch.wait_readable(0.2):
                got += bytes(b for b, _ in ch.read_available())
        assert 0x7F in got, proc.stdout.read() if proc.poll() is not None else got   # AN3155 sync byte
    finally:
        proc.kill()
        proc.wait()
        ch.close()
