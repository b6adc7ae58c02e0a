"""`stm32boot sim BOARD`: run the simulated board, like a real one on the desk.

Boots from the board's internal flash (kept in a state directory between runs), or from an ELF loaded
into it first; USART3 goes to the terminal, a pseudo-terminal or a TCP port. Stops after --timeout
(wall seconds) or when the firmware executes BKPT (exit 0); a fault prints the decoded report and
exits 1. Every run reports virtual time next to wall time.
"""
from __future__ import annotations

import sys

from ..cli import CliError

BOARDS = ("h735",)


def register(sub) -> None:
    p = sub.add_parser("sim", help="run the simulated board (default target when no serial port is given)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("board", choices=BOARDS, help="board to simulate")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--state", metavar="DIR",
                   help="state directory (default $STM32BOOT_SIM_STATE or ~/.cache/stm32boot/sim/BOARD)")
    g.add_argument("--blank", action="store_true", help="start with erased flash (the state is then replaced)")
    p.add_argument("--elf", metavar="FILE", help="load this ELF into the board's memories before booting")
    p.add_argument("--uart", default="stdio", metavar="stdio|pty|tcp:PORT",
                   help="where USART3 (the ST-LINK virtual COM port) goes (default: stdio)")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="stop after this much wall-clock time (default: run until BKPT or fault)")
    p.add_argument("--max-virtual", type=float, default=None, metavar="SECONDS",
                   help="stop after this much simulated time")
    p.add_argument("--trace", action="store_true", help="print every peripheral register access")
    p.set_defaults(func=run)


def _open_uart(spec: str):
    from ..sim import channels
    try:
        return channels.open_channel(spec, announce=lambda s: print(s, file=sys.stderr))
    except (ValueError, OSError) as e:
        raise CliError(f"--uart {spec}: {e}") from None


def run(args) -> int:
    from ..sim import h735
    from ..sim.elfload import ElfLoadError
    from ..sim.state import StateError, default_dir
    state_dir = args.state or default_dir(args.board)
    uart = _open_uart(args.uart)
    try:
        m = h735.build(state_dir=state_dir, blank=args.blank, uart=uart,
                       warn=lambda s: print(s, file=sys.stderr))
    except StateError as e:
        uart.close()
        raise CliError(str(e)) from None
    try:
        if args.trace:
            m.trace = lambda s: print("trace:", s, file=sys.stderr)
        if args.elf:
            try:
                loaded = m.load_elf(args.elf)
            except ElfLoadError as e:
                raise CliError(str(e)) from None
            print(f"sim: loaded {args.elf} ({len(loaded.segments)} segments)", file=sys.stderr)
        m.reset()
        print(f"sim: {m.board.title} booting from 0x{m.boot_address:08X} "
              f"(state {state_dir}{', blank' if args.blank else ''})", file=sys.stderr)
        from ..sim_link import Interrupt
        it = Interrupt(m)
        try:
            with it:
                res = m.run(timeout_s=args.timeout, max_virtual_s=args.max_virtual)
        except KeyboardInterrupt:
            it.hit = True
        if it.hit:                      # the first Ctrl-C stops it; the state is saved on close
            m.sync()
            print(f"\nsim: interrupted at PC=0x{m.pc():08X}, virtual {m.clock.seconds:.6f} s", file=sys.stderr)
            return 130
        print(f"sim: {res.summary()}", file=sys.stderr)
        if res.reason == "fault":
            print(res.fault_report.format(), file=sys.stderr)
            return 1
        if res.reason == "hang":
            return 1
        return 0
    finally:
        m.close()
        if uart is not None:
            uart.close()
