"""`stm32boot flash IMAGE --port A --port B ...`: the same image into several boards at once (a production
line's fixture). One thread per board, each with its own link, plan (a board may already hold parts of the
image) and verification; one status line per board while it runs, then a table. A board that fails does
not stop the others; the exit status is non-zero if any failed."""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

from . import plan as planmod


@dataclass
class Row:
    port: str
    state: str = "connecting"
    done: int = 0
    total: int = 0
    result: planmod.Result | None = None
    error: str = ""
    board: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        if self.error:
            return f"{self.port}: FAILED: {self.error}"
        if self.result is not None:
            return f"{self.port}: {self.result.summary('done')}"
        if self.total:
            return f"{self.port}: {self.state} {100 * self.done // self.total:3d}% ({self.done:,}/{self.total:,} bytes)"
        return f"{self.port}: {self.state}"


class _Bar:
    """The plan's progress interface (total, call with done bytes, finish) feeding one row."""

    def __init__(self, row: Row):
        self.row, self.total = row, 0

    def __call__(self, done: int) -> None:
        self.row.total, self.row.done, self.row.state = self.total, done, "writing"

    def finish(self) -> None:
        self.row.done = self.row.total


def _one(row: Row, board, img, args) -> None:
    from .session import check_geometry, check_identity, errors_as_cli, _open, open_options
    from .cli import CliError
    t0 = time.monotonic()
    target = None
    try:
        with errors_as_cli():
            target = _open(board, row.port, None, args.baud, **open_options(args))
            info = target.info()
            check_identity(board, info)
            check_geometry(board, info)
            row.board, row.state = getattr(info, "board", board.name), "comparing"
            from .commands.flash import _check_signed
            _check_signed(img, board, target)     # signed images: refused per board, that board untouched
            plan = planmod.build(img, board)
            row.result = planmod.execute(plan, target, progress=_Bar(row))
            from .commands.flash import after_choice
            after = after_choice(args)
            if after != "none":
                target.reset(run_app=after == "run")
    except CliError as e:
        row.error = str(e).splitlines()[0]
    except Exception as e:      # one board's failure is that board's row, never the others' end
        row.error = f"{type(e).__name__}: {e}".splitlines()[0]
    finally:
        row.seconds = time.monotonic() - t0
        if target is not None:
            try:
                target.close()
            except Exception:
                pass


def flash_many(args, board, img, ports: list[str], stream=None) -> int:
    stream = stream or sys.stderr
    rows = [Row(p) for p in ports]
    threads = [threading.Thread(target=_one, args=(r, board, img, args), daemon=True) for r in rows]
    for t in threads:
        t.start()
    tty = stream.isatty()
    shown = 0
    reported = set()

    def draw() -> None:   # one line per board, redrawn in place
        nonlocal shown
        if shown:
            stream.write(f"\x1b[{shown}F")
        for r in rows:
            stream.write("\x1b[2K" + r.line() + "\n")
        shown = len(rows)
        stream.flush()

    if tty:
        draw()            # at once: every board's line is there from the start
    while any(t.is_alive() for t in threads):
        time.sleep(0.2)
        if tty:
            draw()
        else:     # logs: one line per board when it ends
            for i, (r, t) in enumerate(zip(rows, threads)):
                if not t.is_alive() and i not in reported:
                    reported.add(i)
                    print(r.line(), file=stream, flush=True)
    for t in threads:
        t.join()
    if not tty:
        for i, r in enumerate(rows):
            if i not in reported:
                print(r.line(), file=stream, flush=True)
    print(table(rows, board))
    failed = [r for r in rows if r.error or r.result is None]
    print(f"flash: {len(rows) - len(failed)} of {len(rows)} board(s) flashed and verified"
          + (f", {len(failed)} FAILED" if failed else ""))
    return 1 if failed else 0


def table(rows: list[Row], board) -> str:
    head = ("board", "serial port", "bytes", "skipped", "verified", "time", "result")
    body = []
    for r in rows:
        res = r.result
        body.append((r.board or board.name, r.port,
                     f"{res.written:,}" if res else "-", f"{res.skipped}" if res else "-",
                     f"{res.verified} sectors" if res else "-", f"{r.seconds:.1f} s",
                     "ok" if res and not r.error else f"FAILED: {r.error}"))
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head) - 1)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    return "\n".join(fmt.format(*row) for row in [head] + body)
