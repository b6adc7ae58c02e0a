"""End to end on each simulated board (STM32H735G-DK, STM32F746G-DISCO), as a user runs it: `python -m stm32boot flash` and
`doit flash` build/flash the demo, the board then holds the image byte for byte and prints the
banner with the right CRC; a second run rewrites nothing; one changed NOR byte rewrites one NOR
sector and nothing in internal flash; refused images leave the board as it was."""
import os
import re
import shutil
import subprocess
import sys

import pytest
from elftools.elf.elffile import ELFFile

from stm32boot import boards
from stm32boot.image import load
from stm32boot.native import crc32

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS = ("h735", "f746")


def demo(board):
    return os.path.join(ROOT, "build", "firmware", board, "demo.elf")


def cli(*args, state, board):
    r = subprocess.run([sys.executable, "-m", "stm32boot", *args, "--board", board, "--state", str(state)],
                       capture_output=True, text=True, cwd=ROOT, timeout=900)
    return r.returncode, r.stdout, r.stderr


def nor_segment(path, board):
    nor = boards.get(board).memory("nor").base
    with open(path, "rb") as f:
        for seg in ELFFile(f).iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_paddr"] >= nor and seg["p_filesz"]:
                return seg["p_paddr"], seg["p_offset"], seg.data()
    raise AssertionError("the demo has no NOR segment")


@pytest.fixture(scope="module", params=BOARDS)
def flashed(request, tmp_path_factory):
    """A fresh simulated board (own state directory) with its demo flashed once: (board, state, out, err)."""
    board = request.param
    assert os.path.exists(demo(board)), "build the firmware first: doit firmware"
    state = tmp_path_factory.mktemp(board)
    rc, out, err = cli("flash", demo(board), state=state, board=board)
    assert rc == 0, err
    return board, state, out, err


def test_first_flash_verifies_and_the_demo_prints_its_banner(flashed):
    board, state, out, err = flashed
    summary = out.strip().splitlines()[-1]
    # (the F746's NOR part ends partway into a block whose rest is blank: erased whole, plan.compare)
    assert re.match(r"flash: [\d,]+ bytes written \(\d+ sector\(s\) erased(, \d+ of them blank with their "
                    r"block)?, 0 skipped unchanged\), "
                    r"verified by CRC, [\d.]+ s wall, [\d.]+ s on the simulated board's clock, "
                    r"[\d.]+ MB/s; target \w+ via the simulated .* \(state .*\)$", summary), summary
    _, _, nor = nor_segment(demo(board), board)
    m = re.search(rf"stm32boot demo .* on {boards.get(board).title}: .*NOR image 0x([0-9A-Fa-f]{{8}})", out)
    assert m, out
    assert int(m.group(1), 16) == crc32(nor)          # the board runs exactly what we flashed


def test_board_holds_the_image_byte_for_byte(flashed, tmp_path):
    board, state, _, _ = flashed
    img = load([demo(board)])
    for addr, data in img.chunks:
        out = tmp_path / f"{addr:08x}.bin"
        rc, _, err = cli("read", hex(addr), str(len(data)), "-o", str(out), state=state, board=board)
        assert rc == 0, err
        assert out.read_bytes() == data, f"0x{addr:08X}"
    rc, out, err = cli("verify", demo(board), state=state, board=board)
    assert rc == 0 and "match the board" in out, err


def test_second_run_rewrites_nothing_and_one_nor_byte_rewrites_one_nor_sector(flashed, tmp_path):
    board, state, _, _ = flashed
    DEMO = demo(board)
    rc, out, err = cli("flash", DEMO, state=state, board=board)
    assert rc == 0, err
    assert "nothing to write" in out and "already hold the image" in out
    changed = tmp_path / "demo_changed.elf"
    shutil.copy(DEMO, changed)
    paddr, offset, nor = nor_segment(DEMO, board)
    k = len(nor) // 2
    raw = bytearray(changed.read_bytes())
    raw[offset + k] ^= 0xFF
    changed.write_bytes(raw)
    rc, out, err = cli("flash", "--dry-run", str(changed), state=state, board=board)
    sector = (paddr + k) & ~0xFFF
    assert rc == 0 and f"erase: 0x{sector:08X}..0x{sector + 0xFFF:08X} (1 sector)" in out, out
    assert re.search(r"flash @ 0x08000000: .* 0 to erase and write \(0 bytes\)", out), out
    rc, out, err = cli("flash", str(changed), state=state, board=board)
    assert rc == 0, err
    assert re.search(r"flash: 4,096 bytes written \(1 sector\(s\) erased, \d+ skipped unchanged\)",
                     out), out
    rc, out, err = cli("flash", DEMO, state=state, board=board)  # and back
    assert rc == 0 and "1 sector(s) erased" in out, err


def test_refused_images_leave_the_board_untouched(flashed, tmp_path):
    board, state, _, _ = flashed
    DEMO = demo(board)
    boot = tmp_path / "over_boot.bin"
    boot.write_bytes(b"\x00" * 64)
    bl_end = boards.get(board).memory("flash").base + boards.get(board).bootloader_size
    rc, _, err = cli("flash", f"{boot}@0x{bl_end - 0x20:08X}", state=state, board=board)
    assert rc == 2 and "would overwrite the bootloader at 0x08000000" in err
    bad = tmp_path / "bad.hex"
    bad.write_text(":020000040800F2\n:10000000ZZ\n")
    rc, _, err = cli("flash", DEMO, str(bad), state=state, board=board)
    assert rc == 2 and "bad.hex: line 2" in err
    rc, out, err = cli("verify", DEMO, state=state, board=board)
    assert rc == 0, err


def test_doit_flash_uses_the_default_board_state(flashed):
    """`doit flash` with no port= flashes the simulated board in the default state directory
    (STM32BOOT_SIM_STATE here): the board flashed above, so nothing is rewritten."""
    board, state, _, _ = flashed
    env = dict(os.environ, STM32BOOT_SIM_STATE=str(state))
    r = subprocess.run([os.path.join(ROOT, ".venv", "bin", "doit"), "flash", f"board={board}"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "stm32boot demo" in r.stdout and "nothing to write" in r.stdout, r.stdout


def test_update_bootloader_rewrites_sector_0_and_the_app_survives(flashed, tmp_path):
    """A different bootloader is written and read back; the one built, once there, is not rewritten."""
    board, state, _, _ = flashed
    DEMO = demo(board)
    from stm32boot.commands.update_bootloader import bootloader_bytes
    bl = os.path.join(ROOT, "build", "firmware", board, "bootloader.elf")
    addr, data = boards.get(board).memory("flash").base, bootloader_bytes(boards.get(board), bl)
    other = tmp_path / "bootloader-padded.bin"          # same code, 64 more bytes: another image
    other.write_bytes(data + bytes(64))
    rc, out, err = cli("update-bootloader", f"{other}@{addr:#x}", state=state, board=board)
    assert rc == 0 and "verified by the bootloader" in out and f"simulated {board}" in out, err
    dump = tmp_path / "sector0.bin"
    rc, _, err = cli("read", hex(addr), str(len(data) + 64), "-o", str(dump), state=state, board=board)
    assert rc == 0 and dump.read_bytes() == data + bytes(64), err
    rc, out, err = cli("update-bootloader", bl, state=state, board=board)
    assert rc == 0 and "verified by the bootloader" in out, err
    rc, out, err = cli("update-bootloader", bl, state=state, board=board)
    assert rc == 0 and "already runs this bootloader" in out and "nothing rewritten" in out, out + err
    rc, out, err = cli("flash", DEMO, state=state, board=board)
    assert rc == 0 and "nothing to write" in out and "stm32boot demo" in out, err


def test_update_bootloader_refuses_what_is_not_our_bootloader_for_this_board(flashed, tmp_path):
    """A test firmware at 0x08000000 (no identity record) and our bootloader patched to name another
    board are refused before the board is touched; the board still answers and holds its app."""
    board, state, _, _ = flashed
    other_board = next(b for b in BOARDS if b != board)
    soc = os.path.join(ROOT, "build", "testfw", "soc", "soc.elf")
    rc, out, err = cli("update-bootloader", soc, state=state, board=board)
    assert rc == 2 and "not a stm32boot bootloader" in err and "Traceback" not in err, err
    from stm32boot.commands.update_bootloader import bootloader_bytes
    bl = os.path.join(ROOT, "build", "firmware", board, "bootloader.elf")
    addr, data = boards.get(board).memory("flash").base, bootloader_bytes(boards.get(board), bl)
    at = data.find(b"stm32bBL")
    assert at > 0
    board_field = at + 12
    patched = bytearray(data)
    patched[board_field:board_field + 16] = other_board.encode().ljust(16, b"\0")
    other = tmp_path / f"{other_board}-named.bin"
    other.write_bytes(bytes(patched))
    rc, out, err = cli("update-bootloader", f"{other}@{addr:#x}", state=state, board=board)
    assert rc == 2 and f"a bootloader for the {other_board} board, not for {board}" in err, err
    rc, out, err = cli("flash", demo(board), state=state, board=board)
    assert rc == 0 and "nothing to write" in out, err


BIG = 256 * 1024
UNEVEN = [b for b in BOARDS if any(n >= BIG for _, n in boards.get(b).memory("flash").sector_list())]


@pytest.mark.parametrize("board", UNEVEN)
def test_one_changed_byte_in_a_large_sector_rewrites_that_sector_only(board, tmp_path):
    """Uneven internal flash sectors (the F746's 4 x 32, 1 x 128, 3 x 256 KB, RM0385 §3.3.1): data in the end
    of one 256 KB sector and the whole next one, one byte changed in the second: that sector alone is erased
    and rewritten, and the first still holds what it held."""
    import random
    flash = boards.get(board).memory("flash")
    big = [a for a, n in flash.sector_list() if n == BIG]
    assert len(big) >= 2
    at = big[1] - 4096
    data = bytearray(random.Random(7).randbytes(4096 + BIG))
    blob = tmp_path / "data.bin"
    blob.write_bytes(data)
    state = tmp_path / "state"
    rc, out, err = cli("flash", f"{blob}@0x{at:08X}", state=state, board=board)
    assert rc == 0, err
    assert re.search(r"\(2 sector\(s\) erased, 0 skipped unchanged\)", out), out
    data[4096 + 1234] ^= 0x5A
    blob.write_bytes(data)
    rc, out, err = cli("flash", f"{blob}@0x{at:08X}", state=state, board=board)
    assert rc == 0, err
    assert re.search(rf"flash: {BIG:,} bytes written \(1 sector\(s\) erased, 1 skipped unchanged\)", out), out
    back = tmp_path / "back.bin"
    rc, _, err = cli("read", f"0x{at:08X}", str(len(data)), "-o", str(back), state=state, board=board)
    assert rc == 0 and back.read_bytes() == bytes(data), err
