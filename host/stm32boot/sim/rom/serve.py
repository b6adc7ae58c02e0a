"""A ROM bootloader model on a pty or TCP port (`stm32boot sim f767 --rom --uart pty`): bytes from the
host are fed with their arrival time; answers go out as soon as the model has them. The model's own
timings (start-up, erase, program) run on a virtual clock that is reported at the end; a pty carries no
parity, so every byte counts as well-formed here (the in-process link models parity)."""
from __future__ import annotations

import time


def serve(model, channel, timeout_s: float | None = None, until=lambda: False, announce=print) -> dict:
    t0 = time.monotonic()
    vt = model.ready_at             # virtual time (the chip was reset before the host came): wall gaps + model work
    last_wall = t0
    n_in = n_out = 0
    while True:
        now = time.monotonic()
        if timeout_s is not None and now - t0 >= timeout_s:
            break
        if until():
            break
        if not channel.wait_readable(0.05):
            continue
        data = channel.read_available()
        now = time.monotonic()
        vt += now - last_wall
        last_wall = now
        for b, _ in data:
            n_in += 1
            out = model.feed(b, vt)
            if out:
                vt = max(vt, out[-1][0])
                channel.write(bytes(x for _, x in out), 0)
                n_out += len(out)
    return {"virtual_s": vt, "wall_s": time.monotonic() - t0, "bytes_in": n_in, "bytes_out": n_out}
