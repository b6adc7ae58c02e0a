"""The bootloader firmware (build/firmware/h735/bootloader.elf) on the simulated STM32H735G-DK, driven by
the host client exactly as `stm32boot flash` drives it: info, erase/write/read/crc of internal flash and
the octal NOR, refusals, the application start decision, and a damaged link."""
import os
import random
import struct
import sys

import pytest

from stm32boot import boards, protocol as P
from stm32boot._protocol import lib
from stm32boot.native import crc32
from stm32boot.sim.board import build as sim_build
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target
from stm32boot.transport import FaultyTransport

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "firmware", "app"))
import gen_table  # noqa: E402  the demo's NOR table generator

sys.path.pop(0)
BL = os.path.join(ROOT, "build/firmware/h735/bootloader.elf")
DEMO = os.path.join(ROOT, "build/firmware/h735/demo.elf")
BOOT_REQ_ADDR, BOOT_REQ_STAY = 0x3800_3FF0, 0xB007_B007   # firmware/boards/h735/handoff.h
BOARD = boards.get("h735")
FLASH, NOR = BOARD.memory("flash").base, BOARD.memory("nor").base
APP = FLASH + BOARD.bootloader_size

@pytest.fixture(autouse=True)
def _built():
    # `doit test` builds first, so a missing image is a broken build, not a reason to skip.
    assert os.path.exists(BL), "run `doit firmware` first"


def board(app=False):
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.load_elf(BL)
    m.reset()
    if app:   # as a completed flash leaves it: the image, then the bootloader's application record
        m.load_elf(DEMO)
        tg = Target(SimTransport(BOARD, machine=m))
        tg.hello()
        tg.commit(0)
        m.reset()
    return m


def connect(m, fast=True):
    t = SimTransport(BOARD, machine=m)
    tg = Target(t)
    tg.hello()
    if fast:
        tg.negotiate_baud()
    return t, tg


def test_info_names_board_chip_and_geometry():
    _, tg = connect(board(), fast=False)
    i = tg.info()
    assert i.board == "h735" and i.chip_id & 0xFFF == BOARD.dev_id
    assert i.protocol_version == lib.PROTO_VERSION and i.window >= 4 and i.max_payload >= 4096
    # exactly the board description's memories (base, size, sector runs, program unit, page)
    assert [m.geometry() for m in i.memories] == [m.geometry() for m in BOARD.memories]
    assert [m.protected_size for m in i.memories] == [BOARD.bootloader_size, 0]


def test_moves_to_8_mbaud():
    m = board()
    t, tg = connect(m, fast=False)
    assert tg.negotiate_baud() == 8_000_000
    assert round(m.usart3.baud()) == 8_000_000
    assert tg.read(FLASH, 64) == m.read(FLASH, 64)   # still talking at the new rate


def test_nor_erase_write_read_crc():
    m = board()
    t, tg = connect(m)
    rng = random.Random(5)
    data = rng.randbytes(10_000)
    start = NOR + 0x3000
    tg.erase([start, start + 0x1000, start + 0x2000])
    tg.write([(start + 2, data)])                 # not page aligned: pages split on the target
    assert tg.read(start, 2) == b"\xff\xff"
    assert tg.read(start + 2, len(data)) == data
    image = b"\xff\xff" + data + b"\xff" * (0x3000 - 2 - len(data))   # the three sectors as intended
    assert tg.crc([(start + 2, len(data)), (start + 0x2000, 0x1000)]) == \
        [crc32(data), crc32(image[0x2000:0x3000])]


def test_internal_flash_erase_write_read_crc():
    m = board()
    t, tg = connect(m)
    data = random.Random(6).randbytes(8192)
    tg.erase([APP + 0x2_0000])
    tg.write([(APP + 0x2_0000, data)])
    assert tg.crc([(APP + 0x2_0000, len(data))]) == [crc32(data)]   # the board's CRC: written by now
    assert m.read(APP + 0x2_0000, len(data)) == data      # what the flash array holds
    assert tg.read(APP + 0x2_0000 + len(data), 32) == b"\xff" * 32


def test_refuses_its_own_sector_and_foreign_addresses_and_keeps_going():
    m = board()
    t, tg = connect(m)
    before = m.read(FLASH, 4096)
    with pytest.raises(P.TargetError, match=rf"ERASE failed at 0x{FLASH:08X} \(flash\): PROTECTED_BOOTLOADER"):
        tg.erase([FLASH])
    with pytest.raises(P.TargetError, match=rf"WRITE failed at 0x{APP - 0x1_0000:08X} \(flash\): PROTECTED_BOOTLOADER"):
        tg.write([(APP - 0x1_0000, b"\0" * 64)])
    with pytest.raises(P.TargetError, match=r"WRITE failed at 0x24000000: ADDR_OUT_OF_RANGE"):
        tg.write([(0x2400_0000, b"\0" * 64)])
    with pytest.raises(P.TargetError, match=rf"ERASE failed at 0x{NOR + 0x800:08X} \(nor\): ALIGN"):
        tg.erase([NOR + 0x800])
    assert m.read(FLASH, 4096) == before
    assert tg.info().board == "h735" and tg.read(FLASH, 16) == before[:16]


def test_programming_twice_without_erase_is_refused_with_the_address():
    m = board()
    t, tg = connect(m)
    tg.erase([APP])
    tg.write([(APP, b"\x00" * 32)])
    with pytest.raises(P.TargetError, match=rf"0x{APP:08X} \(flash\): NOT_ERASED"):
        tg.write([(APP, b"\x00" * 32)])
        tg.crc([(APP, 32)])   # internal flash writes run in the background: the next request reports it


def test_damaged_link_ends_in_the_right_nor_contents():
    m = board()
    inner = SimTransport(BOARD, machine=m)
    t = FaultyTransport(inner, seed=3, drop=2e-4, corrupt=2e-4, rx_drop=2e-4)
    tg = Target(t)
    tg.hello(within=5)
    tg.negotiate_baud()
    data = random.Random(7).randbytes(12_288)
    tg.erase([NOR + k * 4096 for k in range(3)])
    tg.write([(NOR, data)])
    assert tg.crc([(NOR, len(data))]) == [crc32(data)]
    assert t.damaged > 0


def console(m, seconds=0.6):
    t = SimTransport(BOARD, machine=m)
    return Target(t).console(seconds)


def test_no_valid_application_stays_in_the_bootloader():
    m = board(app=False)
    out = console(m, 0.5)          # well past the listening window
    assert b"demo" not in out
    t = SimTransport(BOARD, machine=m)
    assert Target(t).hello().board == "h735"


def test_valid_application_starts_after_the_window_and_prints_its_banner():
    m = board(app=True)
    out = console(m, 0.6).decode(errors="replace")
    table = gen_table.table(735)   # the demo's NOR table (firmware/app/gen_table.py), firmware/images.py TABLE_SEED
    assert f"stm32boot demo 1.0 on STM32H735G-DK: NOR table CRC 0x{crc32(table):08X}" in out


def test_host_speaking_within_the_window_keeps_the_bootloader():
    m = board(app=True)
    t, tg = connect(m, fast=False)
    out = tg.console(0.5)
    assert b"demo" not in out
    assert tg.hello().board == "h735"


def test_reset_runs_the_application_and_the_app_can_ask_for_the_bootloader():
    m = board(app=True)
    t, tg = connect(m)
    tg.reset(run_app=True)
    assert b"stm32boot demo" in tg.console(0.3)
    # the application's way back: the no-init request word, then a reset
    m.write(BOOT_REQ_ADDR, struct.pack("<I", BOOT_REQ_STAY))
    m.reset()
    out = tg.console(0.5)
    assert b"demo" not in out
    assert tg.hello().board == "h735"


def bootloader_blob(m):
    """Sector 0 as flashed (the built bootloader), up to its last non-erased byte."""
    raw = m.read(FLASH, BOARD.bootloader_size).rstrip(b"\xff")
    return raw + b"\xff" * (-len(raw) % 32)


def test_bootloader_replaces_itself_and_verifies():
    m = board(app=True)
    t, tg = connect(m)
    blob = bootloader_blob(m) + b"stm32boot-update-marker-".ljust(32, b"!")
    tg.update_bootloader(blob)                       # stages, rewrites sector 0 from RAM, resets, checks CRC
    assert m.read(FLASH, len(blob)) == blob
    assert tg.info().board == "h735"                 # the new bootloader answers
    tg.reset(run_app=True)
    assert b"stm32boot demo" in tg.console(0.3)      # and still starts the application


def test_a_bad_staged_bootloader_is_refused_and_nothing_changes():
    m = board()
    t, tg = connect(m)
    before = m.read(FLASH, 4096)
    with pytest.raises(P.TargetError, match="BAD_IMAGE"):
        tg.update_bootloader(b"\x00" * 1024)        # no sane vector table
    assert m.read(FLASH, 4096) == before
    assert tg.info().board == "h735"


def test_hello_reports_whether_the_application_is_committed():
    _, tg = connect(board(), fast=False)
    assert tg.info().app_committed is False
    _, tg = connect(board(app=True), fast=False)
    assert tg.info().app_committed is True
