"""The receive side of a UART wire as a timeline, for DMA reception without one event per byte.

Host bytes go on the wire back to back, one frame apart: a run is (start_ps, frame_ps, bytes) and byte i
of a run has fully arrived at start + (i + 1) * frame_ps. The consumer (a DMA stream) asks "what has
arrived by now?" and gets every such byte in one slice, so the Python cost is per poll, not per byte.
The frame time is fixed when a byte is queued (a baud change mid-stream applies to later bytes).
"""
from __future__ import annotations

import collections


class RxWire:
    def __init__(self):
        self.runs = collections.deque()   # [start_ps, frame_ps, bytearray, taken]
        self.tail = 0                     # when the last queued byte has arrived

    def __len__(self) -> int:
        return sum(len(r[2]) - r[3] for r in self.runs)

    def clear(self) -> None:
        self.runs.clear()

    def add(self, items, now: int, frame_ps: int) -> None:
        """items: [(byte, not_before_ps | None)] from a ByteChannel, in wire order."""
        i, n = 0, len(items)
        while i < n:
            nb = items[i][1]
            j = i + 1
            while j < n and items[j][1] == nb:
                j += 1
            self._append(max(now, nb or 0, self.tail if self.runs else 0), frame_ps,
                         bytes(b for b, _ in items[i:j]))
            i = j

    def add_runs(self, runs, now: int, frame_ps: int) -> None:
        """runs: [(bytes, not_before_ps | None)] from ByteChannel.read_runs(), in wire order."""
        for data, nb in runs:
            self._append(max(now, nb or 0, self.tail if self.runs else 0), frame_ps, data)

    def add_frame(self, byte: int, end: int, frame_ps: int) -> None:
        """A frame already on the wire (started before the DMA took over) that completes at `end`."""
        self._append(end - frame_ps, frame_ps, bytes([byte]))

    def _append(self, start: int, fp: int, data: bytes) -> None:
        last = self.runs[-1] if self.runs else None
        if last is not None and last[1] == fp and last[0] + len(last[2]) * fp == start:
            last[2] += data                 # contiguous: one run, one slice later
        else:
            self.runs.append([start, fp, bytearray(data), 0])
        r = self.runs[-1]
        self.tail = r[0] + len(r[2]) * r[1]

    def take(self, now: int, limit: int | None = None) -> bytes:
        """Every byte fully arrived by `now` (at most `limit`), removed from the wire."""
        out = []
        while self.runs and (limit is None or limit > 0):
            start, fp, data, taken = r = self.runs[0]
            done = min((now - start) // fp, len(data)) if fp else len(data)
            k = done - taken
            if k <= 0:
                break
            if limit is not None:
                k = min(k, limit)
                limit -= k
            out.append(bytes(data[taken:taken + k]))
            r[3] = taken + k
            if r[3] == len(data):
                self.runs.popleft()
            else:
                break
        return b"".join(out) if len(out) != 1 else out[0]

    def end_of(self, k: int) -> int | None:
        """When the k-th byte still queued (1-based) will have fully arrived; None if fewer are queued."""
        for start, fp, data, taken in self.runs:
            left = len(data) - taken
            if k <= left:
                return start + (taken + k) * fp
            k -= left
        return None

    def busy(self, now: int) -> bool:
        """A frame is on the line right now (ISR.BUSY)."""
        if not self.runs:
            return False
        start, fp, data, taken = self.runs[0]
        return start + taken * fp <= now

    def drain(self):
        """Remove and yield every queued byte as (byte, start_ps, end_ps)."""
        while self.runs:
            start, fp, data, taken = self.runs.popleft()
            for i in range(taken, len(data)):
                yield data[i], start + i * fp, start + (i + 1) * fp
