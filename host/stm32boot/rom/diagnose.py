"""Turning a silent port or a NACK into a cause the user can act on.

- Nobody answers 0x7F: the bootloader is not listening there. Name the activation (AN2606 "Bootloader
  activation": BOOT0 high while NRST rises, detection once per reset), the USARTs and pins AN2606 lists for
  the chip when we know which chip it should be, and the host-side traps (handshake left on, TX/RX
  crossed, F105/107 PA9 held high by VBUS).
- A NACK on a command that read protection blocks (AN3155 §3): read the option bytes if the chip lets us;
  a NACK there too means RDP level 1. Otherwise say the RDP level and which units WRP covers.
"""
from __future__ import annotations

from . import protection
from .client import BLOCKED_BY_RDP, Nack, RomError
from .devices import Device, pins_text
from .frame import Cmd


class ProtectionError(RomError):
    """The chip's protection refused the operation; the message says which and how to lift it."""


def no_answer(port: str, dev: Device | None, before: str | None, board_pins: tuple | None = None) -> str:
    lines = [f"no answer to 0x7F on {port}: the ST ROM bootloader is not listening there. Check:"]
    if before and before != "none":
        lines.append(f"  - the --before sequence {before!r} ran: is the adapter really wired that way "
                     f"(RTS/DTR to BOOT0/NRST)?")
    else:
        lines.append("  - BOOT0 is high (F1/L1: BOOT1/PB2 low) and the board was reset AFTER setting it: "
                     "the bootloader detects the baud rate once per reset, so reset again before retrying "
                     "(or use --before rts-boot0 if the adapter drives BOOT0/NRST)")
    if dev is not None:
        lines.append(f"  - the adapter is on a USART the {dev.name} ROM bootloader listens on: "
                     f"{pins_text(dev)}; the adapter's TX goes to the chip's RX")
        if board_pins and not any(u.tx == board_pins[0] and u.rx == board_pins[1] for u in dev.usarts):
            lines.append(f"  - this board's serial port is on TX {board_pins[0]} / RX {board_pins[1]}, "
                         f"which the ROM bootloader does not use: wire a USB-UART adapter to one of "
                         f"the pairs above instead")
        if dev.pid == 0x418:
            lines.append("  - STM32F105/107: keep PA9 low during reset (USB VBUS on PA9 sends the loader "
                         "down its USB path: 0.5 s start-up), and on 100-pin parts hold the unused RX "
                         "lines (PD6, PB5) high")
    else:
        lines.append("  - the adapter is on the chip's bootloader USART (AN2606 lists them per chip; most "
                     "STM32 have USART1 on PA9 TX / PA10 RX); pass --chip to name the pins for yours")
    lines.append("  - TX and RX are crossed, grounds are joined, and no hardware handshake (RTS/CTS) is "
                 "left on by another program; nothing else has the port open")
    return "\n".join(lines)


def vcp_note(board) -> str | None:
    """A board whose own serial port (the debugger's virtual COM port) is not on a USART and pin pair
    the chip's ROM bootloader listens on (AN2606) cannot reach it through that port: say what to wire."""
    from .devices import DEVICES
    dev = DEVICES.get(board.dev_id)
    c = board.console
    if dev is None or any(u.tx == c.tx_pin and u.rx == c.rx_pin for u in dev.usarts):
        return None
    rx_ok = [u for u in dev.usarts if u.tx == c.tx_pin]
    hint = (f"; e.g. keep TX {c.tx_pin} and bring the adapter's TX to {rx_ok[0].rx} ({rx_ok[0].name} RX)"
            if rx_ok else "")
    return (f"the {board.title}'s serial port is {c.name} TX {c.tx_pin} / RX {c.rx_pin}, which the "
            f"{dev.name} ROM bootloader does not listen on (it uses {pins_text(dev)}): through that port the "
            f"ROM bootloader never answers. Wire a 3.3 V USB-UART adapter to one of those pairs (adapter TX "
            f"to the chip's RX, grounds joined){hint}, and pass the adapter's port with --port")


def read_options(client) -> bytes | None:
    """The option bytes through Read Memory, or None when the chip refuses (RDP) or has none mapped."""
    dev = client.dev
    if dev is None or dev.ob_base is None:
        return None
    try:
        return client.read(dev.ob_base, dev.ob_size)
    except Nack:
        return None


def protection_text(client) -> str:
    """The chip's protection in one phrase, from its option bytes, or from a probe read of the flash
    on chips whose options the ROM cannot show (H7)."""
    dev = client.dev
    ob = read_options(client)
    if ob is not None:
        return protection.decode(dev, ob).text(dev)
    if dev.ob_base is not None:
        return "read protection (RDP level 1): Read Memory is refused, option bytes included"
    try:
        client.read(0x0800_0000, 4)
        return "no read protection (flash readable); option bytes are not reachable through this ROM"
    except Nack:
        return "read protection (RDP level 1): Read Memory is refused"


def explain_nack(client, e: Nack) -> RomError:
    """A NACK, diagnosed: the exception to raise instead."""
    dev = client.dev
    if dev is None or e.cmd not in BLOCKED_BY_RDP:
        return e
    ob = read_options(client)
    what = f"{e}"
    if ob is None and dev.ob_base is not None:
        return ProtectionError(
            f"{what}: read protection (RDP level 1) is active on this {dev.name} - the bootloader "
            f"refuses Read Memory even at the option bytes (0x{dev.ob_base:08X}) while Get and Get ID "
            f"work. Removing it ERASES THE WHOLE FLASH: `stm32boot unprotect --via rom` (asks first; "
            f"--yes for scripts)")
    if ob is None:
        return ProtectionError(
            f"{what}: this {dev.name} keeps its option bytes out of the ROM bootloader's reach, so the "
            f"protection cannot be read; a NACK on reads and writes means read protection (RDP level 1): "
            f"`stm32boot unprotect --via rom` removes it and ERASES THE WHOLE FLASH")
    p = protection.decode(dev, ob)
    if p.rdp_level:
        return ProtectionError(f"{what}: {p.text(dev)}; `stm32boot unprotect --via rom` removes it and "
                               f"erases the whole flash")
    if e.cmd in (Cmd.ERASE, Cmd.EXT_ERASE):
        cause = ("the erase list names a page/sector this chip does not have (a wrong memory map for "
                 "this chip or bank mode" + (", nDBANK selects two banks here" if p.dual_bank else "")
                 + ")")
    elif e.cmd == Cmd.WRITE:
        cause = (f"the address or length is not {dev.write_align}-byte aligned, or outside writable memory")
    else:
        cause = "the address is outside the memories the bootloader serves (or in its own RAM)"
    return RomError(f"{what}; the chip reports {p.text(dev)}, so protection is not the cause: {cause}")


def wrp_report(client) -> str:
    """After a verify mismatch: WRP drops writes silently (AN3155 §3.6), so name it if set."""
    ob = read_options(client)
    if ob is None:
        return ""
    p = protection.decode(client.dev, ob)
    if p.wrp_bits:
        return (f"; the chip reports {p.text(client.dev)}: writes there are dropped without an error. "
                f"`stm32boot unprotect --via rom --wrp` removes write protection")
    return ""
