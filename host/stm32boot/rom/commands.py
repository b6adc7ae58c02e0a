"""The `--via rom` side of the board commands (flash, read, erase, info, verify, reset,
update-bootloader) and `unprotect`: same arguments and summary lines as our own bootloader's path,
carried out through ST's ROM bootloader."""
from __future__ import annotations

import contextlib
import sys
import time

from .. import image as imagemod
from .. import plan as planmod
from ..cli import CliError, write_output
from ..progress import Progress
from . import diagnose, flow, protection
from .client import Nack
from .connect import open_rom
from .devices import FLASH_BASE, UnknownDevice, pins_text


@contextlib.contextmanager
def session(args, board=None):
    """Open the ROM bootloader named by the args and check it is the chip the user means."""
    from ..session import _library_errors
    note = diagnose.vcp_note(board) if board is not None and not args.chip else None
    if note:
        print(f"stm32boot: note: {note}", file=sys.stderr)
    try:
        s = open_rom(args.port, args.chip, None if args.chip else board, args.state, args.baud,
                     args.before, args.parity)
    except (UnknownDevice,) as e:
        raise CliError(str(e)) from None
    except _library_errors() as e:
        raise CliError(str(e)) from None
    try:
        from .connect import expected_device
        want = expected_device(args.chip, None) if args.chip else None
        if want is not None and want.pid != s.dev.pid:
            raise CliError(f"wrong chip: the ROM bootloader reports product ID 0x{s.dev.pid:03X} ({s.dev.name}), "
                           f"but --chip {args.chip} is a {want.name} (0x{want.pid:03X})")
        if board is not None and not args.chip and s.dev.pid != board.dev_id:
            raise CliError(f"wrong chip: the ROM bootloader reports product ID 0x{s.dev.pid:03X} "
                           f"({s.dev.name}), but --board {board.name} is a {board.title} (0x{board.dev_id:03X}); "
                           f"pass the right --board, or --chip for a bare chip")
        try:
            yield s
        except CliError:
            raise
        except Nack as e:
            raise CliError(str(diagnose.explain_nack(s.client, e))) from None
        except _library_errors() as e:
            raise CliError(str(e) or type(e).__name__) from None
    finally:
        with contextlib.suppress(Exception):
            s.close()


def _board(args):
    from ..session import get_board
    return None if args.chip else get_board(args)


def _clock(s, t0) -> str:
    t = f"{time.monotonic() - t0:.2f} s wall"
    if s.virtual_seconds is not None:
        t += f", {s.virtual_seconds:.2f} s on the simulated chip's clock"
    return t


def flash(args) -> int:
    t0 = time.monotonic()
    with session(args, _board(args)) as s:
        dual = flow.dual_bank(s)
        board = flow.board_for(s.dev, dual)
        try:
            img = imagemod.load(args.images)
            plan = planmod.build(img, board)
        except (imagemod.ImageError, planmod.PlanError) as e:
            raise CliError(str(e)) from None
        if args.dry_run:
            print(plan.describe())
            print("dry run: nothing written")
            return 0
        bar = Progress("writing", 0)
        result = flow.flash(s, plan, bar)
        result.wall_s = time.monotonic() - t0
        if not args.no_reset:
            s.client.go(FLASH_BASE)
    print(result.summary("flash") + f" (through the ROM bootloader of the {s.dev.name}"
          + (", dual bank" if dual else "") + ")")
    sys.stdout.flush()
    return 0


def verify(args) -> int:
    from ..native import crc32
    t0 = time.monotonic()
    with session(args, _board(args)) as s:
        try:
            img = imagemod.load(args.images)
            imagemod.split(img, flow.board_for(s.dev, flow.dual_bank(s)))
        except imagemod.ImageError as e:
            raise CliError(str(e)) from None
        for a, d in img.chunks:
            got = flow.read(s, a, len(d))
            if crc32(got) != crc32(bytes(d)):
                first = next(i for i, (x, y) in enumerate(zip(got, bytes(d))) if x != y)
                raise CliError(f"verify failed: 0x{a + first:08X} ({img.source_at(a)}) differs from the "
                               f"image{diagnose.wrp_report(s.client)}")
        print(f"verify: {img.size:,} bytes in {len(img.chunks)} range(s) match the chip (read back "
              f"through the ROM bootloader), {_clock(s, t0)}")
    return 0


def read(args) -> int:
    t0 = time.monotonic()
    if args.length <= 0:
        raise CliError("the length must be positive")
    with session(args, _board(args)) as s:
        bar = Progress("reading", args.length)
        out = flow.read(s, args.address, args.length, bar)
        bar.finish()
        write_output(args.output, out)
        print(f"read: {len(out):,} bytes from 0x{args.address:08X} into {args.output}, {_clock(s, t0)}")
    return 0


def erase(args) -> int:
    from ..session import parse_int
    t0 = time.monotonic()
    if args.all == bool(args.ranges):
        raise CliError("give either --all or one or more ADDRESS[:LENGTH]")
    ranges = []
    for text in args.ranges:
        a, _, n = text.partition(":")
        try:
            ranges.append((parse_int(a), parse_int(n) if n else 1))
        except Exception:
            raise CliError(f"cannot read {text!r} as ADDRESS[:LENGTH] (e.g. 0x08020000:64K)") from None
    with session(args, _board(args)) as s:
        what = flow.erase_all(s) if args.all else f"{flow.erase_ranges(s, ranges)} page(s)/sector(s) erased"
        print(f"erase: {what} through the ROM bootloader of the {s.dev.name}, {_clock(s, t0)}")
    return 0


def info(args) -> int:
    with session(args, _board(args)) as s:
        c, dev = s.client, s.dev
        print(f"chip:       {dev.name}, product ID 0x{dev.pid:03X}, on {s.where}")
        print(f"bootloader: ST ROM, protocol {c.version >> 4}.{c.version & 15}, commands "
              + " ".join(f"{x:02X}" for x in c.cmds))
        dual = flow.dual_bank(s)
        runs = dev.sectors_dual if dual else dev.sectors
        layout = " + ".join(f"{n} x {sz // 1024 if sz >= 1024 else sz} {'KB' if sz >= 1024 else 'B'}"
                            for n, sz in runs)
        print(f"flash:      0x{FLASH_BASE:08X}, {dev.flash_size // 1024} KB: {layout}"
              + (" (dual bank, nDBANK = 0)" if dual else "") + f"; writes {dev.write_align}-byte aligned")
        print(f"free RAM:   0x{dev.ram_free[0]:08X}..0x{dev.ram_free[1] - 1:08X}")
        print(f"USARTs:     {pins_text(dev)}")
        print(f"protection: {diagnose.protection_text(c)}")
    return 0


def reset(args) -> int:
    with session(args, _board(args)) as s:
        s.client.go(FLASH_BASE)
        print(f"reset: Go 0x{FLASH_BASE:08X}: the application starts (BOOT0 is still high: the next reset "
              f"enters the ROM bootloader again)")
    return 0


def update_bootloader(args) -> int:
    """Install our bootloader in sector 0 through the ROM bootloader (a blank board, or one whose
    bootloader cannot replace itself), verify it, then Go to it."""
    from ..commands.update_bootloader import bootloader_bytes
    from ..session import get_board
    t0 = time.monotonic()
    board = get_board(args)
    blob = bootloader_bytes(board, args.image)
    with session(args, board) as s:
        img = imagemod.load([f"{_tmp_bin(blob)}@0x{FLASH_BASE:08X}"])
        plan = planmod.build(img, flow.board_for(s.dev))
        result = flow.flash(s, plan, Progress("writing", 0))
        result.wall_s = time.monotonic() - t0
        s.client.go(FLASH_BASE)
    print(result.summary("update-bootloader") + f" (through the ROM bootloader of the {s.dev.name}); "
          f"our bootloader is running. Set BOOT0 low before the next reset"
          + (f" (simulated board: `stm32boot sim {board.name} --boot0 low --uart none`)" if not args.port else ""))
    return 0


def _tmp_bin(blob: bytes) -> str:
    import atexit
    import os
    import tempfile
    fd, path = tempfile.mkstemp(suffix=".bin", prefix="stm32boot-bl-")
    with os.fdopen(fd, "wb") as f:
        f.write(blob)
    atexit.register(lambda: os.path.exists(path) and os.unlink(path))
    return path


def unprotect(args) -> int:
    """Remove read protection (mass erase, asks first) and, with --wrp or when set, write protection."""
    t0 = time.monotonic()
    with session(args, _board(args)) as s:
        c, dev = s.client, s.dev
        ob = diagnose.read_options(c)
        if dev.ob_base is not None:
            rdp = ob is None
            prot = protection.decode(dev, ob) if ob is not None else None
        else:
            try:
                c.read(FLASH_BASE, 4)
                rdp = False
            except Nack:
                rdp = True
            prot = None
        did = []
        if rdp:
            size = dev.flash_size // 1024
            print(f"unprotect: the {dev.name} has read protection (RDP level 1). Removing it ERASES THE WHOLE "
                  f"FLASH ({size} KB) and clears RAM; the chip then resets (AN3155 Readout Unprotect).")
            if not args.yes:
                if not sys.stdin.isatty() and not getattr(args, "_answer", None):
                    raise CliError("not removing read protection without confirmation: pass --yes "
                                   "(scripts) or run it in a terminal and answer 'yes'")
                answer = getattr(args, "_answer", None) or input("Erase the whole flash to remove read protection? "
                                                                   "Type 'yes': ")
                if answer.strip().lower() != "yes":
                    print("unprotect: nothing changed")
                    return 1
            c.readout_unprotect()
            did.append("read protection removed (flash mass-erased)")
            s.transport.advance(2 * dev.startup_s + 0.01)
            c.sync()
            ob = diagnose.read_options(c)
            prot = protection.decode(dev, ob) if ob is not None else None
        if prot is not None and prot.wrp_bits or getattr(args, "wrp", False):
            c.write_unprotect()
            did.append("write protection removed" + (f" (was on {len(prot.wrp_bits)} group(s))" if prot else ""))
            s.transport.advance(2 * dev.startup_s + 0.01)
            c.sync()
        if not did:
            print(f"unprotect: the {dev.name} has no read or write protection; nothing to do")
            return 0
        print(f"unprotect: {'; '.join(did)}; the chip now reports {diagnose.protection_text(c)}, "
              f"{_clock(s, t0)}")
    return 0


def protect(args) -> int:
    """Set read protection (Readout Protect, 0x82) and/or write protection on the given WRP bits (Write
    Protect, 0x63); each ends in a system reset of the chip (AN3155 §3.9, §3.11)."""
    t0 = time.monotonic()
    if not args.rdp and not args.wrp:
        raise CliError("give --rdp (read protection level 1) and/or --wrp N[,N...] (write protection)")
    try:
        bits = [int(b, 0) for b in args.wrp.split(",")] if args.wrp else []
    except ValueError:
        raise CliError(f"--wrp {args.wrp}: give comma-separated sector/WRP-bit numbers, e.g. 0,1") from None
    with session(args, _board(args)) as s:
        c, dev = s.client, s.dev
        groups = {b for b, _, _ in dev.wrp_groups(flow.dual_bank(s))}
        bad = [b for b in bits if b not in groups or b > 255]
        if bad:
            raise CliError(f"--wrp: the {dev.name} has no write-protection bit {bad[0]} "
                           f"(0..{max(groups)})")
        if bits:
            c.write_protect(bits)
            s.transport.advance(2 * dev.startup_s + 0.01)
            c.sync()
        if args.rdp:
            c.readout_protect()
            s.transport.advance(2 * dev.startup_s + 0.01)
            c.sync()
        print(f"protect: the {dev.name} now reports {diagnose.protection_text(c)}, {_clock(s, t0)}")
    return 0


ROM_COMMANDS = {"flash": flash, "verify": verify, "read": read, "erase": erase, "info": info, "reset": reset,
                "update-bootloader": update_bootloader, "protect": protect, "unprotect": unprotect}
