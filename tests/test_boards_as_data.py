"""A board is data (README "Adding a board"): no generic file (wire protocol, bootloader core, host library
and commands, simulator core, ROM bootloader client, build graph, native code) names a board or holds a
peripheral register address. Boards live in the registry (host/stm32boot/boards/), chips in sim/chips/ and
their models, wiring in firmware/boards/<board>/ and loaders/<board>/, image lists in */images.py."""
import glob
import os
import re
import sys

import pytest

from stm32boot import boards

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GENERIC = [
    "firmware/core/**/*.[ch]", "firmware/app/**/*.[ch]",
    "native/*.[ch]", "native/*.py",
    "dodo.py",
    "host/stm32boot/*.py", "host/stm32boot/commands/*.py", "host/stm32boot/boards/model.py",
    "host/stm32boot/sim/*.py", "host/stm32boot/sim/rom/*.py", "host/stm32boot/rom/*.py",
]
# Generic by place but allowed to name a board, each for its reason.
ALLOWED = {
    "host/stm32boot/boards/__init__.py": "the registry: DEFAULT names the board commands use without --board",
}
# Hex literals in the peripheral region (0x4000_0000-0x5FFF_FFFF) that are values, not addresses.
NOT_ADDRESSES = {
    "0x4C426232": "struct proto_ident magic1 ('2bBL')",
    "0x52505041": "application record magic ('APPR')",
    "0x411FC272": "Cortex-M7 r1p2 CPUID value (Arm core, every chip)",
    "0x4C11DB70": "CRC-32 folding constant (the polynomial 0x04C11DB7 shifted by 4)",
    "0x40000000": "SysTick CALIB / DWT CTRL reset values (Arm core, every chip)",
}
# Algorithm constants (SHA-256/512 round constants, Ed25519 field elements) look like addresses.
NO_ADDRESS_CHECK = {"native/sha256.c", "native/ed25519.c", "native/fe25519.c", "native/sc25519.c"}


def generic_files():
    out = set()
    for pattern in GENERIC:
        out.update(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern), recursive=True))
    return sorted(p for p in out if p not in ALLOWED and "/_" not in p.replace("/__init__", ""))


def board_words():
    """Every board's registry name, title and chip part number."""
    words = set()
    for name in boards.names():
        b = boards.get(name)
        words.update((b.name, b.title, b.chip))
    return sorted(words, key=len, reverse=True)


BOARD_RE = re.compile("|".join(re.escape(w) for w in board_words()), re.I)
ADDRESS_RE = re.compile(r"\b0x([45][0-9a-f]{3})_?([0-9a-f]{4})(?![0-9a-f_])", re.I)


def _scan(paths, line_hits):
    hits = []
    for rel in paths:
        with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                for what in line_hits(rel, line):
                    hits.append(f"{rel}:{n}: {what}: {line.strip()[:120]}")
    return hits


def board_names_in(paths):
    return _scan(paths, lambda rel, line: [f"names board {m.group(0)!r}" for m in BOARD_RE.finditer(line)])


def register_addresses_in(paths):
    def hits(rel, line):
        if rel in NO_ADDRESS_CHECK:
            return []
        return [f"holds a peripheral address {m.group(0)}" for m in ADDRESS_RE.finditer(line)
                if f"0x{m.group(1)}{m.group(2)}".upper().replace("0X", "0x") not in NOT_ADDRESSES]
    return _scan(paths, hits)


def test_the_scan_covers_the_generic_files():
    files = generic_files()
    for must in ("firmware/core/protocol.h", "firmware/core/bl.c", "firmware/core/host/port_host.c", "dodo.py",
                 "host/stm32boot/session.py", "host/stm32boot/commands/sim.py", "host/stm32boot/sim/machine.py",
                 "host/stm32boot/sim/rom/cli.py", "host/stm32boot/rom/connect.py", "native/ffi_protocol.py"):
        assert must in files
    assert {"h735", "f746", "STM32H735G-DK", "STM32F746G-DISCO"} <= set(board_words())


def test_no_generic_file_names_a_board():
    hits = board_names_in(generic_files())
    assert not hits, ("generic files name a board; take it from the registry (boards.get, boards.DEFAULT) or "
                      "move the fact into the board's files:\n" + "\n".join(hits))


def test_no_generic_file_holds_a_register_address():
    hits = register_addresses_in(generic_files())
    assert not hits, ("generic files hold peripheral addresses; they belong to the chip's register headers "
                      "(firmware/regs/<family>/) or its simulator module (sim/chips/):\n" + "\n".join(hits))


@pytest.mark.parametrize("line,found", [
    ('    p.add_argument("--board", default="h735")', True),
    ("/* the STM32F746G-DISCO's console */", True),
    ("#define UART_BASE 0x40004800u", True),
    ("base = 0x5802_4400", True),
    ('    p.add_argument("--board", default=boards.DEFAULT)', False),
    ("#define APPREC_MAGIC 0x52505041u", False),
])
def test_the_scan_finds_what_it_looks_for(tmp_path, monkeypatch, line, found):
    """A stray board name or register address in a generic file is reported (and allowed values are not)."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", str(tmp_path))
    (tmp_path / "x.c").write_text(line + "\n")
    hits = board_names_in(["x.c"]) + register_addresses_in(["x.c"])
    assert bool(hits) is found, hits


def test_the_rom_bootloader_a_board_reaches_follows_its_data():
    """BOOT0 high reaches ST's ROM bootloader model when the chip module names one and the board's console
    is on pins AN2606 lists for the chip (rom/devices.py); moving the console in the data moves the answer."""
    from dataclasses import replace

    from stm32boot.boards.model import Uart
    from stm32boot.sim.rom import onboard
    h735 = boards.get("h735")
    assert onboard.find("h735").pins == "USART3 PD8/PD9"          # the DK's ST-LINK VCP (UM2679)
    assert onboard.find("f746") is None                            # no F7 model; its VCP RX (PB7) is not a ROM pin
    moved = replace(h735, console=Uart("USART1", tx_pin="PA9", rx_pin="PA10", af=7))
    assert onboard.find(moved).pins == "USART1 PA9/PA10"
    assert onboard.find(replace(h735, console=Uart("USART1", tx_pin="PB6", rx_pin="PB7", af=7))) is None
    assert onboard.names() == ["h735"]


def test_sim_boot0_names_the_board_and_pins_from_data(tmp_path, monkeypatch, capsys):
    from stm32boot.cli import main
    monkeypatch.setenv("STM32BOOT_SIM_STATE", str(tmp_path / "board"))
    assert main(["sim", "h735", "--blank", "--boot0", "high", "--uart", "none"]) == 0
    err = capsys.readouterr().err
    assert "STM32H735G-DK: BOOT0 high" in err and "ST's ROM bootloader on USART3 PD8/PD9" in err, err
    assert main(["sim", "f746", "--rom", "--uart", "none"]) == 2
    err = capsys.readouterr().err
    assert "--boot0 high: h735" in err, err


def test_the_devices_on_the_octospi_controllers_follow_the_board_data():
    """Which device hangs on which OCTOSPI is the board's data (Board.nor, Board.ext_ram): removing or moving
    the RAM in the data removes or moves it in the simulated board; no generic rule wires one."""
    from dataclasses import replace

    from stm32boot.sim.board import build
    from stm32boot.sim.devices.hyperram import S70KL1281
    h735 = boards.get("h735")
    m = build(h735)
    assert isinstance(m.octospi2.device, S70KL1281) and m.octospi2.device is m.ext_ram
    assert m.octospi1.device is m.nor and m.octospi2.pins == h735.ext_ram.pins
    bare = build(replace(h735, ext_ram=None))
    assert bare.ext_ram is None and not isinstance(bare.octospi2.device, S70KL1281) and bare.octospi2.pins == ()
    assert bare.octospi1.device is bare.nor
    moved = build(replace(h735, nor=None, memories=h735.memories[:1],
                          ext_ram=replace(h735.ext_ram, controller="OCTOSPI1")))
    assert moved.nor is None and isinstance(moved.octospi1.device, S70KL1281)
    assert not isinstance(moved.octospi2.device, S70KL1281)


# A board's wiring as (signal, pin, AF) rows: ("NCS", "PG6", 10).
WIRING_RE = re.compile(r"""\(\s*["'][A-Z]+\d*["']\s*,\s*["']P[A-K]\d{1,2}["']\s*,\s*\d+\s*\)""")


def test_no_simulator_model_holds_a_boards_wiring():
    """Pins a board routes to a controller are rows of the board's data (host/stm32boot/boards/<board>.py);
    the chip and peripheral models (sim/**) take them from there."""
    paths = sorted(os.path.relpath(p, ROOT) for p in
                   glob.glob(os.path.join(ROOT, "host/stm32boot/sim/**/*.py"), recursive=True))
    assert "host/stm32boot/sim/periph/ospi_board.py" in paths
    hits = _scan(paths, lambda rel, line: ["holds board wiring"] if WIRING_RE.search(line) else [])
    assert not hits, "\n".join(hits)
    assert WIRING_RE.search('("IO6", "PG10", 3),') and WIRING_RE.search("pins=(('NCS', 'PG6', 10),")
