"""The STM32F746G-DISCO external loader: one .stldr for both NOR parts fitted across board revisions
(N25Q128A up to rev B, W25Q128JV from rev C-03), checked on the simulated board like the programmer runs it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from stldr_build import ROOT, build_loader
from stm32boot import boards
from stm32boot.sim.loader_harness import Loader, LoaderHarness

F746_STLDR = os.path.join(ROOT, "build", "loaders", "N25Q128A-W25Q128JV_STM32F746G-DISCO-stm32boot.stldr")
BOARD = boards.get("f746")


@pytest.fixture(scope="module")
def stldr():
    build_loader()
    assert os.path.exists(F746_STLDR), f"`doit loaders` did not produce {F746_STLDR}"
    return F746_STLDR


@pytest.mark.parametrize("part", BOARD.nor.parts)
def test_loader_check_passes_with_either_nor_part(stldr, part):
    r = subprocess.run([sys.executable, "-m", "stm32boot", "loader-check", stldr, "--board", "f746",
                        "--nor", part], cwd=ROOT, capture_output=True, text=True, timeout=900)
    report = r.stdout + r.stderr
    assert r.returncode == 0, report
    assert f"with the {part} NOR" in report
    lines = [l for l in report.splitlines() if l.startswith(("PASS", "FAIL", "N/A"))]
    assert lines and all(l.startswith("PASS") for l in lines), report
    for check in ("link", "init-recovers-nor", "sector-erase", "write-large-chunk", "mass-erase", "init-no-device"):
        assert any(check in l for l in lines), f"{check} not run:\n{report}"


def test_storage_info_is_the_board_description(stldr):
    si = Loader.open(stldr).storage()
    nor = BOARD.memory("nor")
    assert (si.start, si.size, si.page_size, si.erase_value) == (nor.base, nor.device_size, nor.page_size, nor.erased)
    assert tuple(si.sectors) == nor.device_sectors   # the whole chip, the record sector included
    assert "N25Q128A" in si.name and "W25Q128JV" in si.name and BOARD.title in si.name


def test_linked_after_the_stub_word_at_0x20000004(stldr):
    ld = Loader.open(stldr)
    assert ld.ram_base() == 0x2000_0000 and ld.image_range()[0] == 0x2000_0004


def test_an_unknown_jedec_id_fails_init_and_nothing_is_written(stldr):
    h = LoaderHarness(Loader.open(stldr), board="f746", nor_profile="zero")
    h.m.nor.id_bytes = lambda: bytes([0xC2, 0x20, 0x18])    # an MX25L12835F: not a part of this board
    before = bytes(h.m.nor.mem[:4096])
    r = h.call("Init")
    assert r.ok and r.r0 == 0, r.describe()
    buf = h.put_buffer(b"\x00" * 256)
    assert h.call("SectorErase", 0x9000_0000, 0x9000_0FFF).r0 == 0
    assert h.call("Write", 0x9000_0000, 256, buf).r0 == 0
    assert bytes(h.m.nor.mem[:4096]) == before
