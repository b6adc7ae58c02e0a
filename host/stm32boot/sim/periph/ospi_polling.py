"""The OCTOSPI's status waits (RM0468, OCTOSPI chapter): automatic status polling (FMODE=10: the controller
reads the device's status every PIR.INTERVAL until PSMAR/PSMKR match) and the vendor-style wait where the
guest issues the same indirect status read again and again. A mixin of octospi.Octospi (its registers,
device, clock and framing)."""
from __future__ import annotations

IDLE_POLL_PS = 10 * 10**9       # 10 ms: status-poll period when the device status cannot change
STATUS_REPEATS = 3              # identical indirect reads while the device is busy that count as a wait


def poll_delay(step: int, now: int, nxt: int | None, hit: bool) -> int:
    """When an automatic status poll (every `step` ps) runs next: polls between now and the device's next
    status change `nxt` would read the same value, so they are skipped (a whole number of steps). With no
    change ahead (no device, a wrong framing) silicon keeps polling: poll coarsely, so time still passes for
    a driver's bounded wait without an event per poll. Shared by the OCTOSPI and the F7 QUADSPI models."""
    if not hit and nxt is not None and nxt > now + step:
        return -(-(nxt - now) // step) * step
    if not hit and nxt is None:
        return max(step, IDLE_POLL_PS)
    return step


class StatusPolling:
    # ---- vendor-style waits: the same status read issued again and again --------------------
    def _status_wait(self, key) -> None:
        """The guest issued this very read STATUS_REPEATS times and got the same answer while the device
        is busy: nothing it reads can change before the device's next event (the device ignores other
        commands meanwhile), so jump there, as the machine does for a polled status register."""
        rep = self._rep
        if key is None or rep is None or rep[0] != key or rep[2] < STATUS_REPEATS:
            return
        clk, warp = self._clock(), getattr(self.board, "warp", None)
        nxt = self.device.next_change()
        if clk is None or warp is None or nxt is None or nxt <= clk.now:
            return
        clk.after(nxt - clk.now, lambda: None, f"{self.name}: device status changes")
        warp()

    def _status_seen(self, key, data: bytes) -> None:
        rep = self._rep
        if key is None or self.device.next_change() is None:
            self._rep = None
        elif rep is not None and rep[0] == key and rep[1] == data:
            self._rep = (key, data, rep[2] + 1)
        else:
            self._rep = (key, data, 1)

    # ---- automatic status polling -----------------------------------------------------------
    def _start_polling(self) -> None:
        self.polling = True
        self._poll()

    def _poll(self) -> None:
        self._ev = None
        if not self.polling:
            return
        v = self.values
        n = min(v[0x040], 3) + 1                          # DLR
        f = self._framing()
        t = f.transfer(v[0x048], False, b"", n)
        data = b"\xff" * n if self._dhqc_blocks("", f) else self._exchange(t, f)
        status = int.from_bytes(data[:n], "little")
        v[0x050] = status
        self.poll_ftf = True
        mask, match = v[0x080], v[0x088]                  # PSMKR, PSMAR
        if v[0x000] >> 23 & 1:                            # CR.PMM
            hit = bool(~(status ^ match) & mask)
        else:
            hit = (status & mask) == (match & mask)
        if hit:
            self.flags |= 8  # SMF
            if v[0x000] >> 22 & 1:                        # CR.APMS
                self.polling = False
                return
        clk = self._clock()
        if clk is None:
            return  # no time without a clock: one poll per trigger
        step = (f.cycles(t) + max(v[0x090] & 0xFFFF, 1)) * self.cycle_ps()   # PIR.INTERVAL
        delay = poll_delay(step, clk.now, self.device.next_change(), hit)
        # Lazy (clock.py): a poll changes only this controller's registers, which the guest reads through us.
        self._ev = clk.after(delay, self._poll, f"{self.name} status poll", lazy=True)
