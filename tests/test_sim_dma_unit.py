"""DMA1/DMAMUX1 models driven through their registers (no CPU): USART3 RX into a RAM ring by DMA, NDTR and
flag semantics, normal-mode end, transfer error for a DTCM buffer, hand-back to RDR/ORE."""
import pytest

from stm32boot import _regs
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.channels import InProcessChannel
from stm32boot.sim.clock import PS_PER_S

C = _regs.lib
AXI = 0x2400_0000



def shift(n):
    return (0, 6, 16, 22)[n & 3]


def rd(p, off):
    return p.bus_read(off, 4)


def wr(p, off, v):
    p.bus_write(off, 4, v)


def board():
    chan = InProcessChannel()
    warnings = []
    m = sim_build("h735", strict=True, uart=chan, warn=warnings.append)
    m.warnings = warnings
    wr(m.rcc, C.RCC_APB1LENR, C.RCC_APB1LENR_USART3EN)
    wr(m.rcc, C.RCC_AHB4ENR, C.RCC_AHB4ENR_GPIODEN)
    wr(m.rcc, C.RCC_AHB1ENR, C.RCC_AHB1ENR_DMA1EN)
    wr(m.gpiod, C.GPIO_AFRH, 0x77)
    wr(m.gpiod, C.GPIO_MODER, rd(m.gpiod, C.GPIO_MODER) & ~(0xF << 16) | 0xA << 16)
    u = m.usart3
    wr(u, C.USART_BRR, 556)   # 64 MHz HSI kernel clock / 556 = 115108 baud
    wr(u, C.USART_CR1, C.USART_CR1_UE | C.USART_CR1_TE | C.USART_CR1_RE)
    return m, chan


def start_stream(m, n=1, buf=AXI, size=64, circ=True, dmar=True):
    d = m.dma1
    wr(m.dmamux1, 4 * n, C.DMAMUX1_REQ_USART3_RX)
    base = 0x10 + 0x18 * n
    wr(d, base + 8, 0x4000_4800 + C.USART_RDR)
    wr(d, base + 12, buf)
    wr(d, base + 4, size)
    wr(d, base, C.DMA_SxCR_MINC | (C.DMA_SxCR_CIRC if circ else 0) | C.DMA_SxCR_TRBUFF | C.DMA_SxCR_EN)
    if dmar:
        wr(m.usart3, C.USART_CR3, C.USART_CR3_DMAR)
    return d, base


def frame(m):
    return int(10 * PS_PER_S / m.usart3.baud())


def test_header_offsets_and_shifts_match_the_svd_layout():
    assert C.DMA_S0CR == 0x10 and C.DMA_S7FCR == 0xCC and C.DMA_S3NDTR == 0x10 + 0x18 * 3 + 4
    assert (C.DMA1_BASE, C.DMA2_BASE, C.DMAMUX1_BASE) == (0x40020000, 0x40020400, 0x40020800)
    assert C.DMAMUX_C15CR == 0x3C and C.DMAMUX_CSR == 0x80 and C.DMAMUX_RGSR == 0x140


def test_ring_receives_bytes_at_wire_time_and_ndtr_counts_down():
    m, chan = board()
    d, base = start_stream(m)
    payload = bytes(range(40))
    t0 = m.clock.now
    chan.send(payload)
    assert rd(d, base + 4) == 64                       # nothing has arrived yet
    m.clock.advance_to(t0 + 10 * frame(m) + 1)
    assert rd(d, base + 4) == 54                       # exactly 10 frames arrived: NDTR live
    assert m.read(AXI, 10) == payload[:10]
    m.clock.advance_to(t0 + 40 * frame(m))
    assert rd(d, base + 4) == 24
    assert m.read(AXI, 40) == payload
    assert not rd(m.usart3, C.USART_ISR) & C.USART_ISR_RXNE   # the DMA took them, not RDR
    assert rd(d, C.DMA_LISR) >> shift(1) & 0x3F == C.DMA_FLAG_HTIF   # 40 of 64: half, not complete


def test_circular_wrap_sets_ht_then_tc_and_reloads():
    m, chan = board()
    d, base = start_stream(m, size=16)
    chan.send(bytes(range(100, 109)))
    m.clock.advance_to(m.clock.now + 9 * frame(m))
    flags = rd(d, C.DMA_LISR) >> shift(1)
    assert flags & C.DMA_FLAG_HTIF and not flags & C.DMA_FLAG_TCIF
    wr(d, C.DMA_LIFCR, C.DMA_FLAG_HTIF << shift(1))
    assert not rd(d, C.DMA_LISR) & C.DMA_FLAG_HTIF << shift(1)
    chan.send(bytes(range(9)))
    m.clock.advance_to(m.clock.now + 9 * frame(m))
    flags = rd(d, C.DMA_LISR) >> shift(1)
    assert flags & C.DMA_FLAG_TCIF and not flags & C.DMA_FLAG_HTIF
    assert rd(d, base + 4) == 16 - 2                   # wrapped: 18 bytes in a 16-byte ring
    assert m.read(AXI, 2) == bytes([7, 8])             # overwritten silently, as on silicon
    assert rd(d, base) & C.DMA_SxCR_EN


def test_poll_warp_target_is_the_next_byte_or_the_next_flag():
    m, chan = board()
    d, base = start_stream(m, size=32)
    t0 = m.clock.now
    chan.send(bytes(40))
    rd(d, base + 4)                                    # firmware polls NDTR: one event, the next byte
    assert m.clock.next_event_time() == t0 + frame(m)
    assert len([e for e in m.clock._heap if not e[2].cancelled and "DMA1" in e[2].name]) == 1
    rd(d, C.DMA_LISR)           # firmware polls the flags: the event follows, to the half-ring point
    assert m.clock.next_event_time() == t0 + 16 * frame(m)
    rd(d, base + 4)             # back to NDTR: the next byte again
    assert m.clock.next_event_time() == t0 + frame(m)
    rd(d, C.DMA_LISR)
    m.clock.warp_to_next_event()
    assert rd(d, C.DMA_LISR) >> shift(1) & C.DMA_FLAG_HTIF
    assert m.clock.next_event_time() == t0 + 32 * frame(m)


def test_normal_mode_stops_at_zero_then_bytes_go_to_rdr_and_overrun():
    m, chan = board()
    d, base = start_stream(m, size=4, circ=False)
    chan.send(b"ABCDEFG")
    m.clock.advance_to(m.clock.now + 7 * frame(m) + 1)
    assert rd(d, base + 4) == 0
    assert not rd(d, base) & C.DMA_SxCR_EN             # EN reads 0 after the transfer completed
    assert rd(d, C.DMA_LISR) >> shift(1) & C.DMA_FLAG_TCIF
    assert m.read(AXI, 4) == b"ABCD"
    isr = rd(m.usart3, C.USART_ISR)
    assert isr & C.USART_ISR_RXNE and isr & C.USART_ISR_ORE
    assert rd(m.usart3, C.USART_RDR) == ord("E")       # F and G overran RDR
    assert [b for _, b, why in m.usart3.lost if "overrun" in why] == [ord("F"), ord("G")]


def test_dtcm_buffer_gives_a_transfer_error_and_stops_the_stream():
    m, chan = board()
    d, base = start_stream(m, n=2, buf=0x2000_0000, size=16)
    chan.send(b"xy")
    m.clock.advance_to(m.clock.now + 2 * frame(m) + 1)
    flags = rd(d, C.DMA_LISR) >> shift(2)
    assert flags & C.DMA_FLAG_TEIF
    assert not rd(d, base) & C.DMA_SxCR_EN
    assert "DTCM" in d.transfer_errors[0][2]
    assert m.read(0x2000_0000, 2) != b"xy"
    assert rd(m.usart3, C.USART_ISR) & C.USART_ISR_RXNE    # the next byte lands in RDR again


def test_byte_held_in_rdr_is_taken_when_dmar_is_set():
    m, chan = board()
    chan.send(b"Q")
    m.clock.advance_to(m.clock.now + frame(m) + 1)
    assert rd(m.usart3, C.USART_ISR) & C.USART_ISR_RXNE
    d, base = start_stream(m)
    assert m.read(AXI, 1) == b"Q" and rd(d, base + 4) == 63
    assert not rd(m.usart3, C.USART_ISR) & C.USART_ISR_RXNE


def test_clearing_en_mid_stream_hands_the_rest_back_to_rdr_and_sets_tcif():
    m, chan = board()
    d, base = start_stream(m)
    chan.send(b"0123456789")
    m.clock.advance_to(m.clock.now + 3 * frame(m) + frame(m) // 2)
    wr(d, base, rd(d, base) & ~C.DMA_SxCR_EN)
    assert not rd(d, base) & C.DMA_SxCR_EN
    assert rd(d, C.DMA_LISR) >> shift(1) & C.DMA_FLAG_TCIF
    assert rd(d, base + 4) == 61 and m.read(AXI, 3) == b"012"
    m.clock.advance_to(m.clock.now + frame(m))
    assert rd(m.usart3, C.USART_RDR) == ord("3")       # the frame on the line when EN dropped


def test_stream_registers_are_frozen_while_enabled():
    m, chan = board()
    d, base = start_stream(m)
    wr(d, base + 4, 5)
    wr(d, base + 12, AXI + 0x100)
    assert rd(d, base + 4) == 64 and rd(d, base + 12) == AXI


def test_dma_clock_gate():
    m, chan = board()
    wr(m.rcc, C.RCC_AHB1ENR, 0)
    wr(m.dma1, C.DMA_S0NDTR, 12)
    assert rd(m.dma1, C.DMA_S0NDTR) == 0
