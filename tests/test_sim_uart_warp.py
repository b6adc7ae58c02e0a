"""The idle-poll warp and a UART without a receive FIFO (the F746's USART1, RM0385 USART chapter: one RDR,
ORE when a frame completes while RXNE is still set): a guest that polls ISR between bytes sees every byte,
however fast the warp moves time, and a guest that stops reading for several byte times overruns, as on
silicon. The guest's register accesses go through the machine's dispatch, as a firmware's would."""
from stm32boot.sim.board import build
from stm32boot.sim.channels import InProcessChannel

ISR_ORE, ISR_RXNE = 1 << 3, 1 << 5
LOOP_INSNS = 12          # a polling loop's iteration: well inside the idle-poll gap


def usart1_at_921600():
    chan = InProcessChannel()
    m = build("f746", uart=chan)
    r, u, b = m.rcc, m.console, m.gpiob
    r.bus_write(0x30, 4, r.get("AHB1ENR") | 0b10)                # GPIOB clock
    r.bus_write(0x44, 4, 1 << 4)                                  # USART1EN
    b.bus_write(0x00, 4, b.get("MODER") & ~(3 << 14) | 2 << 14)   # PB7 AF7: the ST-LINK VCP's RX
    b.bus_write(0x20, 4, 7 << 28)
    u.bus_write(0x0C, 4, 17)                                      # HSI 16 MHz / 17: ~941 kbaud
    u.bus_write(0x00, 4, 0b1101)                                  # UE, RE, TE
    return m, u, chan


def guest_read(m, addr):
    m.vc.insns += LOOP_INSNS
    return m._read(addr, 4)


def test_a_guest_polling_between_bytes_gets_every_byte_while_the_warp_jumps_to_each():
    m, u, chan = usart1_at_921600()
    m.clock.after(10**12, lambda: None, "far away")    # a later event the warp must not jump to first
    data = bytes(range(200))
    chan.send(data)
    t0, got, reads = m.clock.now, bytearray(), 0
    while len(got) < len(data) and reads < 20 * len(data):
        reads += 1
        isr = guest_read(m, u.base + 0x1C)
        assert not isr & ISR_ORE, f"overrun after {len(got)} bytes"
        if isr & ISR_RXNE:
            got.append(guest_read(m, u.base + 0x24))
    assert bytes(got) == data and not u.lost
    frame = u.frame_ps()
    assert m.clock.now - t0 <= (len(data) + 1) * frame          # no time skipped past the last byte
    assert reads <= 6 * len(data)      # the guest waited by jumps, not by executing the wait loop
    assert m.clock.now < 10**12


def test_a_guest_that_stops_reading_for_three_byte_times_overruns():
    m, u, chan = usart1_at_921600()
    chan.send(b"abcd")
    insns_per_frame = u.frame_ps() * m.sysclk_hz() // 10**12
    m.vc.insns += 3 * insns_per_frame + insns_per_frame // 2     # computing, not looking at the UART
    isr = m._read(u.base + 0x1C, 4)
    assert isr & ISR_ORE and isr & ISR_RXNE
    assert m._read(u.base + 0x24, 4) == ord("a")                 # RDR keeps the first byte
    assert [why for _, _, why in u.lost] == ["overrun: RDR still full (ORE)"] * 2
