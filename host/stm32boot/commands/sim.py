"""`stm32boot sim BOARD`: run the simulated board, like a real one on the desk.

Boots from the board's internal flash (kept in a state directory between runs), or from an ELF loaded
into it first; the board's console USART (its ST-LINK virtual COM port) goes to the terminal, a
pseudo-terminal or a TCP port. Stops after --timeout
(wall seconds) or when the firmware executes BKPT (exit 0); a fault prints the decoded report and
exits 1. Every run reports virtual time next to wall time.
"""
from __future__ import annotations

import sys

from .. import boards
from ..cli import CliError

ROM_CHIPS = ("f767", "f107", "l151")      # chip-only ROM bootloader models (sim/rom/chips.py)


def register(sub) -> None:
    p = sub.add_parser("sim", help="run the simulated board (default target when no serial port is given)",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("board", choices=boards.names() + list(ROM_CHIPS),
                   help="board to simulate, or (with --rom) a chip whose ROM bootloader to model")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--state", metavar="DIR",
                   help="state directory (default $STM32BOOT_SIM_STATE or ~/.cache/stm32boot/sim/BOARD)")
    g.add_argument("--blank", action="store_true", help="start with erased flash (the state is then replaced)")
    p.add_argument("--elf", metavar="FILE", help="load this ELF into the board's memories before booting")
    p.add_argument("--uart", default="stdio", metavar="stdio|pty|tcp:PORT",
                   help="where the console USART (the ST-LINK virtual COM port) goes (default: stdio)")
    fitted = "; ".join(f"{b.name}: {', '.join(b.nor.parts)}" for b in map(boards.get, boards.names())
                       if b.nor is not None and len(b.nor.parts) > 1)
    p.add_argument("--nor", metavar="PART", default=None,
                   help=f"external NOR part for boards fitted with several across revisions ({fitted}); "
                        f"kept in the state directory")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="stop after this much wall-clock time (default: run until BKPT or fault)")
    p.add_argument("--max-virtual", type=float, default=None, metavar="SECONDS",
                   help="stop after this much simulated time")
    p.add_argument("--trace", action="store_true", help="print every peripheral register access")
    r = p.add_argument_group("ST's ROM bootloader (AN3155)")
    r.add_argument("--rom", action="store_true",
                   help="f767/f107/l151: serve that chip's ROM bootloader model on --uart")
    from ..sim.rom import onboard
    with_rom = ", ".join(onboard.names()) or "none"
    r.add_argument("--boot0", choices=("high", "low"), default=None,
                   help=f"set the BOOT0 pin (kept in the state); high boots ST's ROM bootloader on the "
                        f"boards whose chip has a model of it ({with_rom})")
    r.add_argument("--wired", default=None, metavar="TX/RX",
                   help="chip pins the host adapter is wired to, e.g. PA9/PA10 (kept in the state)")
    r.add_argument("--rdp", choices=("0", "1"), default=None, help="set the chip's read protection level")
    r.add_argument("--wrp", default=None, metavar="BITS|none",
                   help="set write protection: comma-separated WRP bits (sectors), or none")
    r.add_argument("--dual-bank", choices=("on", "off"), default=None, help="F76x: nDBANK option bit")
    r.add_argument("--pace", type=int, default=None, metavar="BAUD",
                   help="pty/TCP: model the wire and flash times in wall-clock time at BAUD (benches)")
    r.add_argument("--pa9-high", choices=("on", "off"), default=None,
                   help="F105/107: USB VBUS holds PA9 high at reset (slow USB path in the ROM)")
    p.set_defaults(func=run)


def _open_uart(spec: str):
    from ..sim import channels
    try:
        return channels.open_channel(spec, announce=lambda s: print(s, file=sys.stderr))
    except (ValueError, OSError) as e:
        raise CliError(f"--uart {spec}: {e}") from None


def run(args) -> int:
    if args.board in ROM_CHIPS or args.rom:
        from ..sim.rom.cli import run_chip
        return run_chip(args)
    from ..sim.rom.onboard import find
    rom = find(args.board)
    if rom is not None and args.boot0 and args.uart in ("none", "null"):
        from ..sim.rom.cli import set_boot0
        return set_boot0(args, rom)
    if rom is not None and (args.boot0 == "high" or (args.boot0 is None and _boot0_saved(args))):
        from ..sim.rom.cli import run_board_rom
        return run_board_rom(args, rom)
    return _run_board(args)


def _boot0_saved(args) -> bool:
    from ..sim.state import SimState, StateError, default_dir
    if args.blank:
        return False
    try:
        st = SimState.open(args.board, args.state or default_dir(args.board))
    except StateError:
        return False
    try:
        return bool(st.values.get("boot0"))
    finally:
        st.close()


def _run_board(args) -> int:
    from ..sim.board import build
    from ..sim.elfload import ElfLoadError
    from ..sim.state import StateError, default_dir
    board = boards.get(args.board)
    if args.nor is not None and (board.nor is None or args.nor not in board.nor.parts):
        fitted = ", ".join(board.nor.parts) if board.nor else "none"
        raise CliError(f"--nor {args.nor}: the {board.name} is fitted with {fitted}")
    state_dir = args.state or default_dir(args.board)
    uart = _open_uart(args.uart)
    nrst = None
    try:
        m = build(board, state_dir=state_dir, blank=args.blank, uart=uart, nor=args.nor,
                  warn=lambda s: print(s, file=sys.stderr),
                  boot0=None if args.boot0 is None else args.boot0 == "high")
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
        nor = f", NOR {m.nor_part}" if getattr(m, "nor_part", None) else ""
        print(f"sim: {m.board.title} booting from 0x{m.boot_address:08X} "
              f"(state {state_dir}{', blank' if args.blank else ''}{nor})", file=sys.stderr)
        nrst = _reset_input(m, uart)
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
        if nrst is not None:
            nrst.close()
        m.close()
        if uart is not None:
            uart.close()


def _reset_input(m, uart):
    """On a pty: the board's NRST for `--before reset` (sim/nrst.py); None elsewhere."""
    from ..sim.channels import PtyChannel
    if not isinstance(uart, PtyChannel):
        return None
    from ..sim.nrst import ResetInput
    return ResetInput(m, uart.link or uart.path, uart, announce=lambda s: print(s, file=sys.stderr, flush=True))
