"""Opening a ROM bootloader session: a real port (8E1), a simulated chip model in process (`--chip
f767|f107|l151` without --port), or a simulated board whose chip has a ROM model (sim/rom/onboard.py), with
BOOT0 high. Runs the --before sequence,
synchronises, identifies the chip (Get, Get ID) and finds its row; a silent port becomes advice."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import before as beforemod
from . import diagnose
from .client import Nack, NoAnswer, RomClient, RomError
from .devices import DEVICES, Device, UnknownDevice, lookup


@dataclass
class RomSession:
    client: RomClient
    transport: object
    dev: Device
    where: str
    on_close: list = field(default_factory=list)

    @property
    def virtual_seconds(self):
        return getattr(self.transport, "virtual_seconds", None)

    def close(self) -> None:
        for fn in self.on_close:
            fn(self)
        self.transport.close()


def expected_device(chip: str | None, board) -> Device | None:
    """The chip the user says is there (for advice before Get ID can tell us)."""
    from ..sim.rom.chips import CHIPS
    if chip in CHIPS:
        return DEVICES[CHIPS[chip].pid]
    if chip:
        try:
            return lookup(int(chip, 16) if chip.lower().startswith("0x") else int(chip, 16))
        except (ValueError, UnknownDevice):
            return None
    return DEVICES.get(board.dev_id) if board is not None else None


def _sim_transport(chip: str | None, board, state, parity: str):
    """In-process: a chip model, or the ROM of a board whose chip has a model of it (BOOT0 flag)."""
    from ..sim.rom.chips import CHIPS, open_chip
    from ..sim.rom.link import RomLink
    if chip:
        if chip not in CHIPS:
            raise RomError(f"--chip {chip}: no simulated chip of that name (simulated: "
                           f"{', '.join(CHIPS)}); give --port for a real board")
        _, model, st = open_chip(chip, state)
        link = RomLink(model, parity=parity, name=f"the simulated {CHIPS[chip].title} (ROM bootloader)")

        def done(_s):
            st.save()
            st.close()
        return link, done, None
    from ..sim import state as simstate
    from ..sim.board import build
    from ..sim.rom.onboard import advance_machine, find, names, rom_model
    if board is None or find(board) is None:
        raise RomError(f"--via rom without --port: give --chip {'|'.join(CHIPS)} (simulated chips) or a "
                       f"--board whose simulated chip has a ROM bootloader model on its console (BOOT0 high): "
                       f"{', '.join(names()) or 'none'}")
    m = build(board, state_dir=str(state or simstate.default_dir(board.name)), warn=lambda *a: None)
    model = rom_model(m)
    model.boot0 = bool(m.boot0)
    link = RomLink(model, parity=parity, name=f"the simulated {board.title} (ROM bootloader)")

    def done(_s):
        advance_machine(m, link.virtual_seconds)
        m.close()
    hint = (f"  - simulated board: BOOT0 is low; set it with `stm32boot sim {board.name} --boot0 high --uart none`"
            if not m.boot0 else None)
    return link, done, hint


def open_rom(port: str | None, chip: str | None = None, board=None, state=None, baud: int | None = None,
             before: str | None = None, parity: str = "even") -> RomSession:
    par = {"even": "E", "none": "N", "e": "E", "n": "N"}.get(str(parity).lower(), "E")
    steps = beforemod.parse(before)
    hint = None
    if port:
        from .port import RomSerial
        transport, done = RomSerial(port, baud or 115200, par), None
    else:
        transport, done, hint = _sim_transport(chip, board, state, par)
        transport.baud = baud or 115200
    client = RomClient(transport, baud or 115200)
    session = None
    try:
        beforemod.run(transport, steps)
        try:
            client.sync()
        except NoAnswer:
            pins = (board.console.tx_pin, board.console.rx_pin) if board is not None and not chip else None
            msg = diagnose.no_answer(transport.name, expected_device(chip, board), before, pins)
            raise RomError(msg + ("\n" + hint if hint else "")) from None
        try:
            client.version, client.cmds = client.get()
            client.pid = client.get_id()
        except Nack:
            raise RomError(f"the ROM bootloader on {transport.name} answered 0x7F but NACKs Get, which it "
                           f"never refuses: our bytes arrive damaged. It speaks 8E1 (even parity, AN3155 §1): "
                           f"check --parity (none only for a simulator's pty), the baud rate (<= 115200 is "
                           f"what ST tests), and that nothing else writes to the port") from None
        client.dev = lookup(client.pid)
        session = RomSession(client, transport, client.dev, transport.name, [done] if done else [])
        return session
    except BaseException:
        if done:
            done(None)
        transport.close()
        raise
