"""The F74x DMA2 model (sim/f7/dma.py) driven through its registers (no CPU), with the F7 USART1 as the
request source: routing by SxCR.CHSEL (RM0385 §8.3.3: USART1_RX = DMA2 stream 2 or 5, channel 4), bytes into
a circular RAM ring at wire time with NDTR counting down and HT/TC flags, the DTCM reachable (AHBS) and the
ITCM not (TEIF), the hand-back to RDR (then ORE) when the stream stops, and unknown registers reported."""
import pytest

from stm32boot.sim.board import build
from stm32boot.sim.channels import InProcessChannel
from stm32boot.sim.clock import PS_PER_S
from stm32boot.sim.regs import UnmodelledAccess

regs = pytest.importorskip("stm32boot._regs_f7", reason="run `doit native` first")
C = regs.lib
SRAM1, DTCM, ITCM = 0x2001_0000, 0x2000_0000, 0x0000_0000
USART1 = 0x4001_1000


def SCR(n):
    return getattr(C, f"DMA_S{n}CR")


def SNDTR(n):
    return getattr(C, f"DMA_S{n}NDTR")


def SPAR(n):
    return getattr(C, f"DMA_S{n}PAR")


def SM0AR(n):
    return getattr(C, f"DMA_S{n}M0AR")


def shift(n):
    return (0, 6, 16, 22)[n & 3]


def rd(p, off):
    return p.bus_read(off, 4)


def wr(p, off, v):
    p.bus_write(off, 4, v)


def board():
    chan = InProcessChannel()
    warnings = []
    m = build("f746", strict=True, uart=chan, warn=warnings.append)
    m.warnings = warnings
    from test_sim_f746 import route
    route(m, [("TX", "PA9", 7), ("RX", "PB7", 7)])
    wr(m.rcc, C.RCC_APB2ENR, C.RCC_APB2ENR_USART1EN)
    wr(m.rcc, C.RCC_AHB1ENR, rd(m.rcc, C.RCC_AHB1ENR) | C.RCC_AHB1ENR_DMA2EN)
    u = m.usart1
    wr(u, C.USART_BRR, 139)   # 16 MHz HSI (PCLK2 at reset) / 139 = 115108 baud
    wr(u, C.USART_CR1, C.USART_CR1_UE | C.USART_CR1_TE | C.USART_CR1_RE)
    return m, chan


def start_stream(m, n=2, channel=4, buf=SRAM1, size=64, circ=True, dmar=True, par=USART1 + 0x24):
    d = m.dma2
    wr(d, SPAR(n), par)
    wr(d, SM0AR(n), buf)
    wr(d, SNDTR(n), size)
    wr(d, SCR(n), channel << C.DMA_SxCR_CHSEL_Pos | C.DMA_SxCR_MINC | (C.DMA_SxCR_CIRC if circ else 0)
       | C.DMA_SxCR_EN)
    if dmar:
        wr(m.usart1, C.USART_CR3, C.USART_CR3_DMAR)
    return d


def frame(m):
    return int(10 * PS_PER_S / m.usart1.baud())


def after(m, frames):
    m.clock.advance_to(m.clock.now + frames * frame(m) + 1)


def test_header_and_model_agree_on_the_f7_layout():
    assert (C.DMA1_BASE, C.DMA2_BASE) == (0x4002_6000, 0x4002_6400)
    assert C.DMA_S0CR == 0x10 and C.DMA_S7FCR == 0xCC and SNDTR(5) == 0x10 + 0x18 * 5 + 4 and C.DMA_HISR == 4
    assert C.DMA_SxCR_CHSEL_Msk == 7 << 25 and C.RCC_AHB1ENR_DMA2EN == 1 << 22 == C.RCC_AHB1RSTR_DMA2RST
    m, _ = board()
    wr(m.dma2, SCR(1), 0xFFFF_FFFE)           # reserved bits 31:28 and 20 (no TRBUFF on the F74x)
    assert rd(m.dma2, SCR(1)) == 0x0FEF_FFFE


@pytest.mark.parametrize("n", (2, 5))
def test_usart1_rx_lands_in_the_ring_at_wire_time_on_either_stream(n):
    m, chan = board()
    d = start_stream(m, n=n)
    payload = bytes(range(40))
    t0 = m.clock.now
    chan.send(payload)
    assert rd(d, SNDTR(n)) == 64
    m.clock.advance_to(t0 + 10 * frame(m) + 1)
    assert rd(d, SNDTR(n)) == 54               # exactly 10 frames arrived
    m.clock.advance_to(t0 + 40 * frame(m))
    assert rd(d, SNDTR(n)) == 24 and m.read(SRAM1, 40) == payload
    assert not rd(m.usart1, C.USART_ISR) & C.USART_ISR_RXNE     # the DMA took them, not RDR
    isr = rd(d, (C.DMA_LISR if n < 4 else C.DMA_HISR)) >> shift(n) & 0x3F
    assert isr == C.DMA_FLAG_HTIF                                 # 40 of 64: half, not complete


@pytest.mark.parametrize("n,channel", ((2, 5), (5, 3), (3, 4)))
def test_a_stream_on_another_channel_or_stream_does_not_serve_usart1(n, channel):
    m, chan = board()
    d = start_stream(m, n=n, channel=channel)
    chan.send(b"AB")
    after(m, 2)
    assert rd(d, SNDTR(n)) == 64                            # nothing moved
    isr = rd(m.usart1, C.USART_ISR)
    assert isr & C.USART_ISR_RXNE and isr & C.USART_ISR_ORE       # without a fifo: B overran A
    assert rd(m.usart1, C.USART_RDR) == ord("A")


def test_circular_wrap_sets_ht_then_tc_and_reloads():
    m, chan = board()
    d = start_stream(m, size=16)
    chan.send(bytes(range(100, 109)))
    after(m, 9)
    flags = rd(d, C.DMA_LISR) >> shift(2)
    assert flags & C.DMA_FLAG_HTIF and not flags & C.DMA_FLAG_TCIF
    wr(d, C.DMA_LIFCR, C.DMA_FLAG_HTIF << shift(2))
    assert not rd(d, C.DMA_LISR) >> shift(2) & C.DMA_FLAG_HTIF
    chan.send(bytes(range(9)))
    after(m, 9)
    flags = rd(d, C.DMA_LISR) >> shift(2)
    assert flags & C.DMA_FLAG_TCIF and not flags & C.DMA_FLAG_HTIF
    assert rd(d, SNDTR(2)) == 16 - 2            # 18 bytes in a 16-byte ring
    assert m.read(SRAM1, 2) == bytes([7, 8])           # overwritten silently, as on silicon
    assert rd(d, SCR(2)) & C.DMA_SxCR_EN


def test_dtcm_is_reachable_through_ahbs():
    m, chan = board()
    d = start_stream(m, buf=DTCM + 0x8000)
    chan.send(b"dtcm")
    after(m, 4)
    assert rd(d, SNDTR(2)) == 60                       # the reader looks at NDTR, then at the ring
    assert m.read(DTCM + 0x8000, 4) == b"dtcm" and not d.transfer_errors


def test_an_itcm_buffer_gives_a_transfer_error_then_bytes_go_to_rdr():
    m, chan = board()
    d = start_stream(m, buf=ITCM + 0x100, size=16)
    chan.send(b"xyz")
    after(m, 3)
    assert rd(d, C.DMA_LISR) >> shift(2) & C.DMA_FLAG_TEIF
    assert not rd(d, SCR(2)) & C.DMA_SxCR_EN
    assert "ITCM" in d.transfer_errors[0][2]
    assert rd(m.usart1, C.USART_ISR) & C.USART_ISR_RXNE and rd(m.usart1, C.USART_RDR) == ord("y")


def test_normal_mode_stops_at_zero_then_bytes_overrun_rdr():
    m, chan = board()
    d = start_stream(m, size=4, circ=False)
    chan.send(b"ABCDEFG")
    after(m, 7)
    assert rd(d, SNDTR(2)) == 0 and not rd(d, SCR(2)) & C.DMA_SxCR_EN
    assert rd(d, C.DMA_LISR) >> shift(2) & C.DMA_FLAG_TCIF and m.read(SRAM1, 4) == b"ABCD"
    assert rd(m.usart1, C.USART_ISR) & C.USART_ISR_ORE and rd(m.usart1, C.USART_RDR) == ord("E")
    assert [b for _, b, why in m.usart1.lost if "overrun" in why] == [ord("F"), ord("G")]


def test_without_dmar_bytes_stay_in_rdr():
    m, chan = board()
    d = start_stream(m, dmar=False)
    chan.send(b"Q")
    after(m, 1)
    assert rd(d, SNDTR(2)) == 64 and rd(m.usart1, C.USART_RDR) == ord("Q")


def test_a_byte_held_in_rdr_is_taken_when_dmar_is_set():
    m, chan = board()
    chan.send(b"Q")
    after(m, 1)
    d = start_stream(m)
    assert m.read(SRAM1, 1) == b"Q" and rd(d, SNDTR(2)) == 63
    assert not rd(m.usart1, C.USART_ISR) & C.USART_ISR_RXNE


def test_par_not_at_rdr_is_reported_and_not_served():
    m, chan = board()
    start_stream(m, par=USART1 + 0x28)
    assert any("PAR" in w for w in m.warnings)


def test_dma2_reset_or_clock_gate_stops_the_ring():
    m, chan = board()
    d = start_stream(m)
    chan.send(b"ab")
    after(m, 1)
    wr(m.rcc, C.RCC_AHB1RSTR, C.RCC_AHB1RSTR_DMA2RST)
    wr(m.rcc, C.RCC_AHB1RSTR, 0)
    assert rd(d, SCR(2)) == 0 and rd(d, SNDTR(2)) == 0
    after(m, 1)
    assert rd(m.usart1, C.USART_RDR) == ord("b")      # the next byte lands in RDR again
    wr(m.rcc, C.RCC_AHB1ENR, rd(m.rcc, C.RCC_AHB1ENR) & ~C.RCC_AHB1ENR_DMA2EN)
    assert rd(d, SCR(2)) == 0                  # unclocked: reads 0, writes ignored
    wr(d, SCR(2), C.DMA_SxCR_EN)
    wr(m.rcc, C.RCC_AHB1ENR, rd(m.rcc, C.RCC_AHB1ENR) | C.RCC_AHB1ENR_DMA2EN)
    assert rd(d, SCR(2)) == 0


def test_unknown_register_is_reported():
    m, _ = board()
    with pytest.raises(UnmodelledAccess):
        m.dma2.bus_read(0xD0, 4)


def test_the_f746_bootloader_loses_no_byte_at_921600_while_it_programs():
    """The real bootloader flashes the demo (internal flash and QUADSPI NOR) at 921600 baud: every byte the
    host sends is taken by the DMA ring (no overrun in the USART model), so no frame is sent twice."""
    import os
    from stm32boot import boards, image, plan
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    elf = os.path.join(root, "build", "firmware", "f746", "bootloader.elf")
    demo = os.path.join(root, "build", "firmware", "f746", "demo.elf")
    assert os.path.exists(elf) and os.path.exists(demo), "build the firmware first: doit firmware"
    board = boards.get("f746")
    m = build(board, warn=lambda *a: None)
    m.load_elf(elf)
    m.reset()
    t = open_target(board, transport=SimTransport(board, machine=m, latency=0.001), baud=921_600)
    try:
        img = image.load([demo], board)
        plan.execute(plan.build(img, board), t)
        assert t.info().baud == 921_600
        assert [why for _, _, why in m.console.lost if "overrun" in why] == []
        assert t.link.retransmits == 0
        assert m.dma2.enabled(2) and m.dma2.chsel(2) == 4 and not m.dma2.transfer_errors
        for addr, data in img.chunks:                       # the start of each range reads back
            assert t.read(addr, min(len(data), 4096)) == data[:4096]
    finally:
        t.close()
