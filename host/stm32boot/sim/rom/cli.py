"""`stm32boot sim f767|f107|l151 --rom` and `stm32boot sim BOARD --boot0 high` (a board whose chip has a
ROM model, onboard.py): the ROM bootloader models on a pty, a TCP port, or (--uart none) just set up in
their state directory for in-process use (`stm32boot ... --via rom [--chip NAME]`)."""
from __future__ import annotations

import sys

from ...cli import CliError


def _say(s):
    print(f"sim: {s}", file=sys.stderr)


def _configure(args, chip, model, st) -> list[str]:
    done = []
    if args.boot0:
        st.values["boot0"] = int(args.boot0 == "high")
        model.boot0 = args.boot0 == "high"
        done.append(f"BOOT0 {args.boot0}")
    if args.wired:
        from .chips import wired_ok
        st.values["wired"] = args.wired.upper()
        model.listening = wired_ok(chip.dev, args.wired)
        done.append(f"adapter on {args.wired.upper()}")
    if args.pa9_high:
        st.values["pa9_high"] = int(args.pa9_high == "on")
        done.append(f"PA9 high {args.pa9_high}")
    if args.rdp is not None:
        chip.set_rdp(args.rdp == "1")
        done.append(f"RDP level {args.rdp}")
    if args.wrp is not None:
        try:
            bits = [] if args.wrp == "none" else [int(b, 0) for b in args.wrp.split(",")]
        except ValueError:
            raise CliError(f"--wrp {args.wrp}: give comma-separated WRP bit numbers, or none") from None
        chip.set_wrp(bits)
        done.append(f"WRP {args.wrp}")
    if args.dual_bank is not None:
        if chip.dev.sectors_dual is None:
            raise CliError(f"--dual-bank: the {chip.dev.name} has no nDBANK option")
        v = int.from_bytes(chip.ob[8:10], "little")
        v = v & ~(1 << 13) if args.dual_bank == "on" else v | 1 << 13
        chip.ob[8:12] = (v & 0xFFFF).to_bytes(2, "little") + (~v & 0xFFFF).to_bytes(2, "little")
        chip.changed()
        done.append(f"dual bank {args.dual_bank}")
    return done


def run_chip(args) -> int:
    from ..channels import open_channel
    from ..state import StateError
    from .chips import CHIPS, open_chip, state_dir
    from .serve import serve
    if args.board not in CHIPS:
        from .onboard import names
        on = ", ".join(names())
        raise CliError(f"--rom models these chips: {', '.join(CHIPS)}"
                       + (f" (boards with a ROM bootloader model run it with --boot0 high: {on})" if on else ""))
    try:
        chip, model, st = open_chip(args.board, args.state, args.blank)
    except StateError as e:
        raise CliError(str(e)) from None
    try:
        done = _configure(args, chip, model, st)
        p = chip.prot()
        _say(f"{CHIPS[args.board].title} ROM bootloader model (product ID 0x{chip.dev.pid:03X}), state "
             f"{st.path}: {p.text(chip.dev)}, BOOT0 {'high' if model.boot0 else 'low'}"
             + (f"; set {', '.join(done)}" if done else ""))
        if args.uart in ("none", "null"):
            return 0
        spec = "pty" if args.uart == "stdio" else args.uart    # a terminal cannot carry the binary protocol
        try:
            ch = open_channel(spec, announce=lambda s: print(s, file=sys.stderr))
        except (ValueError, OSError) as e:
            raise CliError(f"--uart {args.uart}: {e}") from None
        try:
            r = serve(model, ch, timeout_s=args.timeout, pace_baud=args.pace)
        except KeyboardInterrupt:
            r = None
        finally:
            ch.close()
        if r:
            _say(f"{r['bytes_in']} bytes in, {r['bytes_out']} out, virtual {r['virtual_s']:.3f} s, "
                 f"wall {r['wall_s']:.2f} s")
        return 0
    finally:
        st.save()
        st.close()


def set_boot0(args, rom) -> int:
    """Only move the BOOT0 switch of the board (kept in the state); nothing runs."""
    from ..board import build
    from ..state import StateError, default_dir
    state_dir = args.state or default_dir(args.board)
    try:
        m = build(rom.board, state_dir=state_dir, blank=args.blank, warn=lambda *a: None,
                  boot0=args.boot0 == "high")
    except StateError as e:
        raise CliError(str(e)) from None
    m.close()
    then = f"ST's ROM bootloader on {rom.pins}" if args.boot0 == "high" else "from flash"
    _say(f"{rom.board.title}: BOOT0 {args.boot0} (state {state_dir}): the next start runs {then}")
    return 0


def run_board_rom(args, rom) -> int:
    """A board with BOOT0 high: its ROM bootloader serves the console USART until Go, then the core runs."""
    from ..board import build
    from ..channels import open_channel
    from ..state import StateError, default_dir
    from .onboard import advance_machine, rom_model
    from .serve import serve
    state_dir = args.state or default_dir(args.board)
    try:
        ch = open_channel(args.uart, announce=lambda s: print(s, file=sys.stderr))
    except (ValueError, OSError) as e:
        raise CliError(f"--uart {args.uart}: {e}") from None
    try:
        m = build(rom.board, state_dir=state_dir, blank=args.blank, uart=ch,
                  warn=lambda s: print(s, file=sys.stderr), boot0=True)
    except StateError as e:
        ch.close()
        raise CliError(str(e)) from None
    try:
        model = rom_model(m)
        m.rom_active = True
        _say(f"{m.board.title} BOOT0 high: ST's ROM bootloader (model) on {rom.pins} (state {state_dir})")
        r = serve(model, ch, timeout_s=args.timeout, until=lambda: not m.rom_active)
        advance_machine(m, r["virtual_s"])
        if m.rom_active:
            _say(f"ROM bootloader: {r['bytes_in']} bytes in, {r['bytes_out']} out, no Go; stopped")
            return 0
        _say(f"ROM bootloader: Go to 0x{m.scb.get('VTOR'):08X}; the core runs")
        left = None if args.timeout is None else max(0.1, args.timeout - r["wall_s"])
        res = m.run(timeout_s=left, max_virtual_s=args.max_virtual)
        _say(res.summary())
        return 1 if res.reason in ("fault", "hang") else 0
    finally:
        m.close()
        ch.close()
