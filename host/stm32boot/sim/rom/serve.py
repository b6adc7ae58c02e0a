"""A ROM bootloader model on a pty or TCP port (`stm32boot sim f767 --rom --uart pty`): bytes from the
host are fed with their arrival time. A pty carries no parity, so every byte counts as well-formed
here (the in-process link models parity).

Unpaced (default), answers go out as soon as the model has them and the model's timings (start-up,
erase, program, wire) only advance its virtual clock. With `pace_baud`, the wire is modelled in wall
time: incoming bytes are spaced at 11 bit times of that rate and each answer leaves when the model's
clock says, so a host tool's throughput over the pty is what it would see on a real link (benches)."""
from __future__ import annotations

import time

from ...rom.frame import BITS_PER_BYTE


def serve(model, channel, timeout_s: float | None = None, until=lambda: False, announce=print,
          pace_baud: int | None = None) -> dict:
    t0 = time.monotonic()
    base = model.ready_at           # the chip was reset before the host came
    vt = base
    last_wall = t0
    last_in = base
    pending: list[tuple[float, int]] = []
    n_in = n_out = 0
    if pace_baud:
        model.baud = pace_baud
    byte_s = BITS_PER_BYTE / pace_baud if pace_baud else 0.0

    def wall_of(v):
        return t0 + (v - base)

    while True:
        now = time.monotonic()
        if timeout_s is not None and now - t0 >= timeout_s:
            break
        if until() and not pending:
            break
        if pending:
            due = [x for t, x in pending if wall_of(t) <= now]
            if due:
                channel.write(bytes(due), 0)
                n_out += len(due)
                pending = pending[len(due):]
            wait = max(0.0, min(0.05, wall_of(pending[0][0]) - now)) if pending else 0.05
        else:
            wait = 0.05
        if not channel.wait_readable(wait):
            continue
        data = channel.read_available()
        now = time.monotonic()
        if pace_baud:
            vt = max(vt, base + (now - t0))
        else:
            vt += now - last_wall
        last_wall = now
        for b, _ in data:
            n_in += 1
            if pace_baud:
                last_in = max(last_in + byte_s, vt)
                t_in = last_in
            else:
                t_in = vt
            out = model.feed(b, t_in)
            if not out:
                continue
            if pace_baud:
                pending.extend(out)
            else:
                vt = max(vt, out[-1][0])
                channel.write(bytes(x for _, x in out), 0)
                n_out += len(out)
    return {"virtual_s": max(vt, last_in), "wall_s": time.monotonic() - t0, "bytes_in": n_in,
            "bytes_out": n_out}
