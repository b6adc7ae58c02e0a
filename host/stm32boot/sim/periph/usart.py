"""USART model (RM0468 §53, RM0385 §34), bridged to a ByteChannel. Which instances exist at which base, their
clock gate, kernel clock and pins are chip facts (sim/chips/*.py USARTS); the board says which one is its
console and on which pins (`set_pins`).

Time: a frame (start + data + parity + stop bits) takes bits/baud on the virtual clock, with
baud = kernel clock / PRESC / USARTDIV (OVER8 aware) from the RCC model. TX: TDR (or an 8-deep FIFO with
FIFOEN) feeds the shift register; each byte reaches the channel when its frame ends; TC when the line
is idle. The TX side is computed from the clock when looked at: each byte written gets its start and end
time on the line, so a burst costs two events (the FIFO has drained into the shift register; the line is
idle) instead of one per byte, and a firmware waiting for room wakes once per burst while the line stays
busy; bytes reach the channel at those events or when the guest looks, stamped with their end time.
RX: host bytes are put on the wire one frame apart (a fast host cannot overrun the wire), land
in RDR (8-deep FIFO with FIFOEN); a byte that completes while RDR/the FIFO is full sets ORE and is lost
(OVRDIS=1: overwritten instead). A byte arriving while UE/RE=0 or with the RX pin not in its alternate
function is lost, like on a board. IDLE is set one frame after the last received byte.

RX by DMA (CR3.DMAR=1 and a DMAMUX1 channel routing this USART's RX request to an enabled stream whose
PAR is RDR, dma.py): host bytes go to a wire timeline (uart_wire.RxWire) instead of one event per frame;
the stream takes every byte that has arrived whenever the firmware looks. When the request stops being
served (EN=0, normal-mode end, transfer error, DMAR=0), bytes still on the wire return to the per-frame
path above at their exact times (RDR, then ORE). The RX pin function is checked when DMA takes over.
"""
from __future__ import annotations

import collections

from ..clock import PS_PER_S
from ..regs import RO, WO, Field, Peripheral, Reg
from .dmamux import REQ as DMA_REQ
from .uart_wire import RxWire

ISR_PE, ISR_FE, ISR_NE, ISR_ORE, ISR_IDLE, ISR_RXNE, ISR_TC, ISR_TXE = (1 << i for i in range(8))
ISR_BUSY, ISR_TEACK, ISR_REACK, ISR_TXFE, ISR_RXFF = 1 << 16, 1 << 21, 1 << 22, 1 << 23, 1 << 24
STICKY = ISR_PE | ISR_FE | ISR_NE | ISR_ORE | ISR_IDLE | ISR_TC
STOP_BITS = {0: 1.0, 1: 0.5, 2: 2.0, 3: 1.5}
class Usart(Peripheral):
    C_PREFIX = "USART"
    POLL_REGS = frozenset({"ISR"})
    REGS = (
        Reg("CR1", 0x00, fields=tuple(Field(n, i) for i, n in enumerate(
            ("UE", "UESM", "RE", "TE", "IDLEIE", "RXNEIE", "TCIE", "TXEIE", "PEIE", "PS", "PCE", "WAKE", "M0",
             "MME", "CMIE", "OVER8"))) + (Field("DEDT", 16, 5), Field("DEAT", 21, 5), Field("RTOIE", 26),
                                          Field("EOBIE", 27), Field("M1", 28), Field("FIFOEN", 29),
                                          Field("TXFEIE", 30), Field("RXFFIE", 31))),
        Reg("CR2", 0x04), Reg("CR3", 0x08), Reg("BRR", 0x0C, fields=(Field("BRR", 0, 16),)),
        Reg("GTPR", 0x10), Reg("RTOR", 0x14), Reg("RQR", 0x18, access=WO),
        Reg("ISR", 0x1C, reset=0xC0, access=RO), Reg("ICR", 0x20, access=WO),
        Reg("RDR", 0x24, access=RO, fields=(Field("RDR", 0, 9),)), Reg("TDR", 0x28, fields=(Field("TDR", 0, 9),)),
        Reg("PRESC", 0x2C, fields=(Field("PRESCALER", 0, 4),)),
    )

    def __init__(self, name, board=None, channel=None, instance=None):
        """instance: (base, (RCC enable register, bit), kernel clock name, ((TX pin, AF), ...),
        ((RX pin, AF), ...)) from the chip's USARTS table."""
        if instance is None:
            raise ValueError(f"{name}: the chip's USARTS entry (base, gate, kernel, pins) is needed")
        base, gate, self.kernel, self.tx_pins, self.rx_pins = instance
        self.channel = channel
        self.lost: list[tuple[int, int, str]] = []   # (t_ps, byte, why) for bytes the guest never saw
        super().__init__(name, base, board, clock_gate=gate)

    def reset(self):
        for ev in (getattr(self, "_tx_ev", None), getattr(self, "_rx_ev", None), getattr(self, "_idle_ev", None)):
            if ev is not None:
                ev.cancel()
        super().reset()
        self.flags = ISR_TC
        self.txq = collections.deque()       # bytes written, not yet off the line: [start_ps, end_ps, byte]
        self.rxq = collections.deque()       # RDR / RX FIFO
        self.wire_in = collections.deque()   # host bytes not yet on the wire: (byte, not_before_ps)
        self._tx_ev = self._rx_ev = self._idle_ev = None
        self._rx_byte = None
        self.wire = RxWire()                 # host bytes on the wire while a DMA stream takes them
        self.rx_dma = None                   # (dma model, stream) serving the RX request, or None
        self._bulk_idle = False              # IDLE owed after the DMA-received burst
        self._par_warned = set()

    # ---- wiring ---------------------------------------------------------------------------------
    def set_pins(self, uart) -> None:
        """The board routes this USART to its console on these pins only (a boards.Uart)."""
        self.tx_pins, self.rx_pins = ((uart.tx_pin, uart.af),), ((uart.rx_pin, uart.af),)

    def attach(self, channel) -> None:
        """Connect a ByteChannel; interactive channels let an idle machine block on host input."""
        self.channel = channel
        channel.listener = self._pull
        srcs = getattr(self.board, "idle_sources", None)
        if channel.interactive and srcs is not None:
            srcs.append(self._wait_host)

    def _wait_host(self, timeout_s: float) -> bool:
        # Only wait: the machine then moves virtual time by the real time waited, and the bytes are
        # taken at the guest's next ISR read, so their wire time starts after that jump (taking them
        # here would let the jump complete them all at once: a false overrun).
        return self.channel is not None and self.channel.wait_readable(timeout_s)

    def _clock(self):
        return self.board.clock

    def _pins_ok(self, pins) -> bool:
        """One of `pins` ((pin, AF), ...) is in its alternate function; asked per byte, so the answer is
        kept until one of the ports changes (gpio.routing_state)."""
        if self.board is None or not hasattr(self.board, "bus"):
            return True
        from .gpio import find_port, parse_pin, routing_state
        cache = self.__dict__.setdefault("_pin_cache", {})
        hit = cache.get(pins)
        if hit is None:
            ports = []
            for pin, af in pins:
                port = find_port(self.board, parse_pin(pin)[0])
                if port is None:
                    ports = None   # no GPIO models on this machine: do not gate
                    break
                ports.append((port, parse_pin(pin)[1], af))
            hit = cache[pins] = [ports, None, None]
        ports, state, ok = hit
        if ports is None:
            return True
        now = routing_state(p for p, _, _ in ports)
        if now != state:
            ok = any(port.pin_function(n) == ("af", af) for port, n, af in ports)
            hit[1], hit[2] = now, ok
        return ok

    # ---- timing ---------------------------------------------------------------------------------
    def baud(self) -> float:
        rcc = getattr(self.board, "rcc", None)
        ker = rcc.kernel_hz(self.kernel) if rcc is not None else 64_000_000
        presc = (1, 2, 4, 6, 8, 10, 12, 16, 32, 64, 128, 256)[min(self.get("PRESC", "PRESCALER"), 11)] \
            if self._has_presc else 1
        brr = self.get("BRR", "BRR")
        div = ((brr & 0xFFF0) | (brr & 7) << 1) / 2 if self.get("CR1", "OVER8") else brr
        return ker / presc / div if div and ker else 0.0

    def frame_bits(self) -> float:
        m = self.get("CR1", "M1") << 1 | self.get("CR1", "M0")
        data = {0: 8, 1: 9, 2: 7}.get(m, 8)   # includes the parity bit when PCE=1
        return 1 + data + STOP_BITS[self.get("CR2") >> 12 & 3]

    def frame_ps(self) -> int:
        rcc = getattr(self.board, "rcc", None)
        key = (self.values[0x00], self.values[0x04], self.values[0x0C], self.values.get(0x2C, 0),
               rcc.kernel_hz(self.kernel) if rcc is not None else 0)
        if key != self._frame_key:
            b = self.baud()
            self._frame_key, self._frame = key, int(self.frame_bits() * PS_PER_S / b) if b else 0
        return self._frame

    _frame_key, _frame = None, 0
    _has_presc = True          # the H7 USART has PRESC and a FIFO; the F7's has neither (usart_f7.py)

    def _depth(self) -> int:
        return 8 if self.values[0x00] >> 29 & 1 else 1

    _BITS = {"RE": 1 << 2, "TE": 1 << 3}

    def _enabled(self, bit: str) -> bool:
        cr1 = self.values[0x00]
        return bool(cr1 & 1 and cr1 & self._BITS[bit])

    # ---- registers ------------------------------------------------------------------------------
    def read_ISR(self, value):
        if self.rx_dma is not None:
            self._bulk_status()
        elif not self.wire_in and self._rx_ev is None:
            self.pull_host()   # the guest is looking at the line: pick up host bytes now
        v = self.flags
        waiting = self._tx_sync()
        if waiting < self._depth():
            v |= ISR_TXE
        if not waiting:
            v |= ISR_TXFE
        if self.rxq:
            v |= ISR_RXNE
        if len(self.rxq) >= 8 and self.get("CR1", "FIFOEN"):
            v |= ISR_RXFF
        if self._rx_ev is not None or (self.rx_dma is not None and self.wire.busy(self._clock().now)):
            v |= ISR_BUSY
        if self._enabled("TE"):
            v |= ISR_TEACK
        if self._enabled("RE"):
            v |= ISR_REACK
        return v

    def write_ICR(self, old, new):
        self.flags &= ~(new & STICKY)

    def write_RQR(self, old, new):
        if new & (1 << 3):   # RXFRQ: discard received data
            self.rxq.clear()
        if new & (1 << 4):   # TXFRQ: flush the TX FIFO (the byte in the shift register still goes out)
            now = self._clock().now
            self._tx_sync()
            while self.txq and self.txq[-1][0] > now:
                self.txq.pop()
            self._tx_schedule()

    def read_RDR(self, value):
        if self.rxq:
            self._last_rd = self.rxq.popleft()
        return self._last_rd   # an empty RDR still shows the last byte, as on silicon

    def write_CR3(self, old, new):
        self.dma_update()

    def write_CR1(self, old, new):
        self.dma_update()
        self._cr1_changed(new)
        self.dma_update()

    def _cr1_changed(self, new):
        if not new & 1:   # UE=0 resets the state machines (pending frames are lost)
            self._tx_sync()
            self.txq.clear()
            self.rxq.clear()
            self.flags = ISR_TC
            for ev in (self._tx_ev, self._rx_ev):
                if ev is not None:
                    ev.cancel()
            self._tx_ev = self._rx_ev = None

    _last_rd = 0

    def write_TDR(self, old, new):
        if not self._enabled("TE"):
            return
        now = self._clock().now
        if self._tx_sync() >= self._depth():
            self.lost.append((now, new & 0xFF, "TDR written while full (TXE=0)"))
            return
        start = max(now, self.txq[-1][1]) if self.txq else now
        self.txq.append((start, start + max(self.frame_ps(), 1), new & 0x1FF))
        self.flags &= ~ISR_TC
        self._tx_schedule()

    def _tx_sync(self) -> int:
        """Deliver the bytes whose frame has ended by now; return how many wait in TDR / the FIFO."""
        now = self._clock().now
        q = self.txq
        while q and q[0][1] <= now:
            _, end, byte = q.popleft()
            if self.channel is not None and self._pins_ok(self.tx_pins):
                self.channel.write(bytes([byte & 0xFF]), end)
            elif self.channel is not None:
                self.lost.append((end, byte & 0xFF, "TX pin not in its alternate function"))
            if not q:
                self.flags |= ISR_TC
        waiting = 0
        for start, _, _ in reversed(q):
            if start <= now:
                break
            waiting += 1
        return waiting

    def _tx_schedule(self):
        """One pending event: when the last byte enters the shift register (room for a whole burst,
        the line still busy), else when it leaves the line (TC, delivery)."""
        if self._tx_ev is not None:
            self._tx_ev.cancel()
            self._tx_ev = None
        if not self.txq:
            return
        now = self._clock().now
        start, end, _ = self.txq[-1]
        at = start if start > now else end
        self._tx_ev = self._clock().after(max(at - now, 1), self._tx_event, f"{self.name} TX")

    def _tx_event(self):
        self._tx_ev = None
        self._tx_sync()
        self._tx_schedule()

    # ---- receive path ---------------------------------------------------------------------------
    def _pull(self) -> bool:
        if self.channel is None or self.board is None:
            return False
        if self.rx_dma is not None:
            runs = self.channel.read_runs()     # a DMA stream takes runs of bytes, not bytes one by one
            if not runs:
                return False
            self.wire.add_runs(runs, self._clock().now, self._fp())
            self._bulk_idle = True
            self.rx_dma[0].reschedule(self.rx_dma[1])
            return True
        got = self.channel.read_available()
        if not got:
            return False
        self.wire_in.extend(got)
        if self._rx_ev is None:
            self._start_rx()
        return True

    def _start_rx(self):
        if not self.wire_in:
            return
        byte, not_before = self.wire_in.popleft()
        clk = self._clock()
        start = max(clk.now, not_before or 0)
        fp = self._fp()
        self._rx_byte = byte
        if self._idle_ev is not None:
            self._idle_ev.cancel()
            self._idle_ev = None
        self._rx_ev = clk.after(start - clk.now + fp, lambda: self._rx_done(byte), f"{self.name} RX frame")

    def _fp(self) -> int:
        return self.frame_ps() or int(10 * PS_PER_S / 115200)   # a UART not set up yet still takes wire time

    def _rx_done(self, byte):
        self._rx_ev = None
        self._land(byte, self._clock().now)
        if self.wire_in:
            self._start_rx()
        else:
            self._pull()
            if self._rx_ev is None and self.frame_ps():
                self._idle_ev = self._clock().after(self.frame_ps(), self._set_idle, f"{self.name} IDLE")

    def _land(self, byte, now):
        """A frame has completed: into RDR / the FIFO, or lost (ORE, receiver off, pin)."""
        if self.rx_dma is not None:     # a request raised while RXNE would be set: the DMA takes it
            self.rx_dma[0].push(self.rx_dma[1], bytes([byte]))
        elif not (self.clocked() and self._enabled("RE")):
            self.lost.append((now, byte, f"{self.name} receiver off (UE/RE=0 or clock disabled)"))
        elif not self._pins_ok(self.rx_pins):
            self.lost.append((now, byte, f"{self.name} RX pin not in its alternate function"))
        elif len(self.rxq) >= self._depth():
            if self.get("CR3") >> 12 & 1:   # OVRDIS: overwrite, no ORE
                self.rxq[-1] = byte
            else:
                self.flags |= ISR_ORE
                self.lost.append((now, byte, "overrun: RDR still full (ORE)"))
        else:
            self.rxq.append(byte)

    def _set_idle(self):
        self._idle_ev = None
        if self._enabled("RE"):
            self.flags |= ISR_IDLE

    # ---- RX by DMA ------------------------------------------------------------------------------
    def pull_host(self) -> None:
        ch = self.channel
        if ch is not None and not (ch.pushes and ch.listener is not None):   # pushed ones are on the wire
            self._pull()

    def _rx_dma_target(self):
        mux = getattr(self.board, "dmamux1", None)
        if mux is None or not self.values[0x08] >> 6 & 1 or not self._enabled("RE") or not self.clocked():
            return None
        if not self._pins_ok(self.rx_pins):
            return None
        for dma, n in mux.streams_for(DMA_REQ[self.name][0]):
            if dma.clocked() and dma.enabled(n) and dma.p2m(n) and self._par_at_rdr(dma, n):
                return dma, n
        return None

    def _par_at_rdr(self, dma, n) -> bool:
        """A stream serving our RX request moves bytes only from RDR: any other PAR is warned about (once)
        and the stream ignored."""
        par, rdr = dma.values[0x18 + 0x18 * n], self.base + 0x24
        if par == rdr:
            return True
        if (dma.name, n, par) not in self._par_warned:
            self._par_warned.add((dma.name, n, par))
            self.board.bus.warn(f"sim: warning: {dma.name} stream {n} serves {self.name}_RX but its PAR "
                                f"is 0x{par:08X}, not {self.name}.RDR (0x{rdr:08X}): ignored")
        return False

    def dma_update(self) -> None:
        """Re-check who takes received bytes (after writes to CR1/CR3, a DMA stream or DMAMUX1)."""
        old = self.rx_dma
        if old is not None and self._rx_dma_target() != old:
            old[0].sync(old[1])          # bytes that arrived so far went to the stream
            if self.rx_dma is old:       # (sync may have stopped the stream and come back here)
                self.rx_dma = None
                old[0].unlink(old[1])
                self._wire_to_frames()
        if self.rx_dma is None:
            tgt = self._rx_dma_target()
            if tgt is not None:
                self._frames_to_wire(tgt)

    def _frames_to_wire(self, tgt) -> None:
        clk, fp = self._clock(), self._fp()
        self.rx_dma = tgt
        if self._rx_ev is not None:      # the frame on the line completes on the wire timeline
            self._rx_ev.cancel()
            self.wire.add_frame(self._rx_byte, self._rx_ev.when, fp)
            self._rx_ev = None
        if self.wire_in:
            self.wire.add(list(self.wire_in), clk.now, fp)
            self.wire_in.clear()
        if self._idle_ev is not None:
            self._idle_ev.cancel()
            self._idle_ev = None
        self._bulk_idle = bool(self.wire)
        dma, n = tgt
        dma.link(n, self)
        if self.rxq:                     # RXNE=1 when DMAR is set raises the request at once
            held = bytes(b & 0xFF for b in self.rxq)
            self.rxq.clear()
            dma.push(n, held)

    def _wire_to_frames(self) -> None:
        clk = self._clock()
        now = clk.now
        for byte, start, end in list(self.wire.drain()):
            if end <= now:
                self._land(byte, end)
            elif start < now and self._rx_ev is None:
                self._rx_byte = byte
                self._rx_ev = clk.after(end - now, lambda b=byte: self._rx_done(b), f"{self.name} RX frame")
            else:
                self.wire_in.append((byte, start))
        if self._rx_ev is None and self.wire_in:
            self._start_rx()

    def _bulk_status(self) -> None:
        dma, n = self.rx_dma
        dma._look(n, "bytes")
        if self.rx_dma is None or not self._bulk_idle or self.wire:
            return
        clk = self._clock()
        idle_at = self.wire.tail + self._fp()
        self._bulk_idle = False
        if clk.now >= idle_at:
            self.flags |= ISR_IDLE
        elif self._idle_ev is None:
            self._idle_ev = clk.after(idle_at - clk.now, self._set_idle, f"{self.name} IDLE")
