"""The largest erase command that covers only what must be erased (issue 17): the bootloader's real C
core (host-compiled, RAM memories that count their erase commands) behind the real host Target and
plan, so the test sees which commands the board would run."""
import dataclasses
import random

import pytest

from stm32boot import boards
from stm32boot import plan as planmod
from stm32boot import protocol as P
from stm32boot._protocol import ffi, lib
from stm32boot.image import Segment, merge
from stm32boot.target import Target

from protocol_link import CoreTransport, H735_MEMS

H735 = boards.get("h735")
KB = 1024
NOR = H735.memory("nor").base
APP = H735.memory("flash").base + H735.bootloader_size
# The NOR with the erase commands of the parts: 64 KB blocks and a chip erase.
UNITS = tuple(dataclasses.replace(m, block_size=64 * KB, chip_erase=True) if m.kind == "external_nor" else m
              for m in H735_MEMS)


def core(nor_units=True):
    t = CoreTransport(mems=UNITS if nor_units else H735_MEMS)
    tg = Target(t)
    tg.hello()
    return t, tg


def units():
    out = ffi.new("uint32_t[2]")
    lib.hp_unit_erases(out)
    return {"blocks": out[0], "chip": out[1]}


def data(n, seed):
    return random.Random(seed).randbytes(n)


def test_whole_aligned_blocks_use_block_erase_and_the_rest_sectors():
    """136 KB from NOR+60 KB: sector 15, blocks 1 and 2 whole, then 2 sectors of block 3 (with a partial
    last sector): 2 block commands, 1 + 2 sector commands; the board holds the image."""
    t, tg = core()
    # the NOR is erased: put something in the sectors so they need rewriting
    img = merge([Segment(NOR + 60 * KB, data(136 * KB + 100, 1), "nor.bin")])
    sectors_before = t.counters()["erases"]
    res = planmod.execute(planmod.build(img, H735), tg)
    assert res.erased == 1 + 32 + 2
    assert units() == {"blocks": 2, "chip": 0}
    assert t.counters()["erases"] - sectors_before == 3
    assert all(t.mem(a, len(d)) == bytes(d) for a, d in img.chunks)


def test_a_memory_without_block_erase_gets_sector_erases_only():
    t, tg = core(nor_units=False)
    img = merge([Segment(NOR, data(128 * KB, 2), "nor.bin")])
    res = planmod.execute(planmod.build(img, H735), tg)
    assert units() == {"blocks": 0, "chip": 0}
    assert t.counters()["erases"] == res.erased == 32
    assert t.mem(NOR, 128 * KB) == img.chunks[0][1]


def test_block_erase_never_reaches_a_sector_the_host_did_not_list():
    """A list that covers a 64 KB block but one sector must not erase that sector."""
    t, tg = core()
    keep = NOR + 64 * KB + 9 * 4 * KB
    tg.write([(keep, b"\x12\x34" * 8)])
    tg.erase([NOR + 64 * KB + i * 4 * KB for i in range(16) if i != 9])
    assert units()["blocks"] == 0
    assert t.mem(keep, 16) == b"\x12\x34" * 8


def test_whole_memory_erase_uses_one_chip_command_and_is_refused_without_one():
    t, tg = core()
    tg.write([(NOR + 3 * KB * 1024, b"\x00" * 16)])
    assert tg.erase_whole(NOR) is True
    assert units() == {"blocks": 0, "chip": 1}
    assert t.mem(NOR + 3 * KB * 1024, 16) == b"\xff" * 16
    # internal flash holds the bootloader: never erased whole, the host is told so and erases sectors
    assert tg.erase_whole(H735.memory("flash").base) is False
    t2, tg2 = core(nor_units=False)
    tg2.write([(NOR, b"\x00" * 16)])
    assert tg2.erase_whole(NOR) is False
    assert t2.mem(NOR, 16) == b"\x00" * 16


def test_an_image_filling_the_whole_nor_is_erased_with_one_chip_command():
    t, tg = core()
    size = H735_MEMS[1].size
    img = merge([Segment(NOR, data(size, 3), "nor.bin")])
    # the core's NOR is smaller than the board's: plan against the memories the core serves
    small = dataclasses.replace(H735, memories=H735_MEMS)
    res = planmod.execute(planmod.build(img, small), tg)
    assert units() == {"blocks": 0, "chip": 1}
    assert t.counters()["erases"] == 0 and res.erased == size // (4 * KB)
    assert t.mem(NOR, size) == img.chunks[0][1]


def test_the_simulated_h735_bootloader_erases_whole_nor_blocks_with_one_command():
    """The real bootloader on the simulated board: the MX25LM51245G model sees 64 KB block erases for the
    whole aligned blocks and 4 KB sector erases for the rest, and the board holds the image."""
    import os
    from stm32boot.sim.board import build as sim_build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    m = sim_build("h735", state_dir=None, warn=lambda *a: None)
    m.load_elf(os.path.join(root, "build", "firmware", "h735", "bootloader.elf"))
    m.reset()
    changes = []
    m.nor.stored.append(lambda lo, hi: changes.append(hi - lo))
    tg = open_target(H735, transport=SimTransport(H735, machine=m), baud=8_000_000)
    try:
        img = merge([Segment(NOR + 60 * KB, data(136 * KB + 100, 4), "nor.bin")])
        res = planmod.execute(planmod.build(img, H735), tg)
        assert res.erased == 35
        assert changes.count(64 * KB) == 2 and changes.count(4 * KB) == 3
        assert tg.read(NOR + 60 * KB, 136 * KB + 100) == img.chunks[0][1]
    finally:
        tg.close()


F746 = boards.get("f746")


def _sim_f746(part):
    import os
    from stm32boot.sim.board import build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    m = build(F746, state_dir=None, warn=lambda *a: None, nor=part)
    m.load_elf(os.path.join(root, "build", "firmware", "f746", "bootloader.elf"))
    m.reset()
    changes = []
    m.nor.listeners.append(lambda lo, hi: changes.append(hi - lo))
    return m, changes, open_target(F746, transport=SimTransport(F746, machine=m))


@pytest.mark.parametrize("part", F746.nor.parts)
def test_the_simulated_f746_bootloader_erases_whole_nor_blocks_and_the_chip_with_one_command(part):
    """The real F746 bootloader on the simulated board, with either NOR part fitted: the part's model sees
    64 KB block erases (0xD8) for the whole aligned blocks and 4 KB subsector erases (0x20) for the rest;
    a NOR rewritten whole is erased with one chip erase (0xC7), and the board holds the image."""
    nor = F746.memory("nor").base
    m, changes, tg = _sim_f746(part)
    try:
        fl, mem = tg.info().memories
        assert fl.sectors == F746.memory("flash").sectors              # 4 x 32, 1 x 128, 3 x 256 KB
        assert (mem.block_size, mem.chip_erase) == (64 * KB, True)   # what the bootloader reports
        inside = fl.base + 4 * 32 * KB + 64 * KB                      # the middle of the 128 KB sector
        with pytest.raises(P.TargetError, match=rf"ERASE failed at 0x{inside:08X} \(flash\): ALIGN"):
            tg.erase([inside])
        img = merge([Segment(nor + 60 * KB, data(68 * KB + 100, 5), "nor.bin")])   # sector 15, block 1, sector 32
        res = planmod.execute(planmod.build(img, F746), tg)
        assert res.erased == 18
        assert changes.count(64 * KB) == 1 and changes.count(4 * KB) == 2
        assert tg.read(nor + 60 * KB, 68 * KB + 100) == img.chunks[0][1]
        del changes[:]
        t0 = tg.virtual_seconds
        assert tg.erase_whole(nor) is True
        # the application record's subsector first (invalidated before any change, apprec.h), then the
        # whole device with one command
        assert changes == [4 * KB, 16 * 1024 * KB]
        assert tg.read(nor + 60 * KB, 256) == b"\xff" * 256
        assert tg.virtual_seconds - t0 >= 30                    # datasheet typical chip erase: 40 s / 170 s
    finally:
        tg.close()


# ---- a block the image covers only in part (issue 17) ------------------------------------------------
# Where the image ends partway into a 64 KB block whose other sectors are blank on the board, one block
# command erases it when that is quicker than the image's sectors one by one (N25Q128A: 3 subsectors or
# more; W25Q128JV: 4; MX25LM51245G: 9); a sector outside the image that holds anything is never erased.

def test_a_partly_covered_block_with_blank_neighbours_is_erased_with_one_block_command():
    """Core level: 104 KB at the NOR's start (block 0 whole, 10 sectors of block 1) on a blank NOR is two
    block commands and no sector command; the board holds the image and block 1's tail is still blank."""
    t, tg = core()
    img = merge([Segment(NOR, data(104 * KB, 6), "nor.bin")])
    before = t.counters()["erases"]
    res = planmod.execute(planmod.build(img, H735), tg)
    assert units() == {"blocks": 2, "chip": 0} and t.counters()["erases"] == before
    assert (res.erased, res.blank, res.verified) == (32, 6, 32)
    assert "32 sector(s) erased, 6 of them blank with their block, 0 skipped" in res.summary()
    assert t.mem(NOR, 104 * KB) == img.chunks[0][1] and t.mem(NOR + 104 * KB, 24 * KB) == b"\xff" * 24 * KB


def test_data_outside_the_image_in_a_partly_covered_block_survives():
    """The same image with 16 bytes of data in block 1's last sector (not in the image): block 0 with one
    command, block 1's ten image sectors one by one, and the data is still there."""
    t, tg = core()
    keep = NOR + 127 * KB
    tg.write([(keep, b"\x5a\xa5" * 8)])
    img = merge([Segment(NOR, data(104 * KB, 7), "nor.bin")])
    before = t.counters()["erases"]
    res = planmod.execute(planmod.build(img, H735), tg)
    assert units() == {"blocks": 1, "chip": 0} and t.counters()["erases"] - before == 10
    assert (res.erased, res.blank) == (26, 0)
    assert t.mem(keep, 16) == b"\x5a\xa5" * 8 and t.mem(NOR, 104 * KB) == img.chunks[0][1]


def test_an_unchanged_sector_in_a_partly_covered_block_is_skipped_not_block_erased():
    """A reflash that changes one sector of the partly covered block rewrites that sector alone."""
    t, tg = core()
    body = bytearray(data(104 * KB, 8))
    planmod.execute(planmod.build(merge([Segment(NOR, bytes(body), "nor.bin")]), H735), tg)
    body[70 * KB] ^= 0xFF
    img = merge([Segment(NOR, bytes(body), "nor.bin")])
    blocks_before, before = units()["blocks"], t.counters()["erases"]
    res = planmod.execute(planmod.build(img, H735), tg)
    assert (res.erased, res.skipped, res.blank) == (1, 25, 0)
    # one sector of the image, and the application record's, invalidated first (firmware/core/apprec.h)
    assert units()["blocks"] == blocks_before and t.counters()["erases"] - before == 2
    assert t.mem(NOR, 104 * KB) == img.chunks[0][1]


def _erase_log(m):
    """The NOR model's erases as the sizes of the ranges it set to blank, in order (programs are pages)."""
    changes = []
    hook = m.nor.stored if hasattr(m.nor, "stored") else m.nor.listeners
    hook.append(lambda lo, hi: changes.append(hi - lo))
    return changes


def _sim(board, part=None, baud=921_600):
    import os
    from stm32boot.sim.board import build as sim_build
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import open_target
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    m = sim_build(board, state_dir=None, warn=lambda *a: None, nor=part)
    m.load_elf(os.path.join(root, "build", "firmware", board.name, "bootloader.elf"))
    m.reset()
    log = _erase_log(m)
    return m, log, open_target(board, transport=SimTransport(board, machine=m), baud=baud)


# (board, NOR part, link rate, image sectors in the partly covered block, the share of the erase time saved
# (n typical 4 KB erases less one 64 KB: datasheets) that must show on the board's clock). The H735 at
# 8 Mbaud waits for its NOR; the F746 at 921,600 baud (its highest) waits for the N25Q128A's slow erases, but
# the W25Q128JV erases quicker than the wire brings its data: part of the saving hides under the transfer.
SIM_CASES = [(H735, "mx25lm51245g", 8_000_000, 10, 0.5)] + [
    (F746, p, 921_600, 6, {"n25q128a": 0.5, "w25q128jv": 0.2}[p]) for p in F746.nor.parts]
TYPICAL_4K_64K = {"mx25lm51245g": (0.025, 0.22), "n25q128a": (0.25, 0.7), "w25q128jv": (0.045, 0.15)}


@pytest.mark.parametrize("board,part,baud,n,shown", SIM_CASES, ids=[c[1] for c in SIM_CASES])
def test_the_simulated_boards_erase_a_partly_covered_blank_block_with_one_command(board, part, baud, n, shown):
    """The real bootloader on each simulated board and NOR part: an image ending n sectors into the NOR's
    second block (like the F746 demo's NOR part, which ends 24 KB into a block). On a blank board the
    part's model sees two 64 KB block erases and no 4 KB one; with data in a sector of that block outside
    the image it sees one block and n sector erases, the data survives, and the blank board finished
    sooner on the board's clock by about what the datasheets say (n sector erases against one block)."""
    nor = board.memory("nor").base
    img = merge([Segment(nor, data((16 + n) * 4 * KB - 100, 9), "nor.bin")])
    keep = nor + 31 * 4 * KB + 200                     # the block's last sector, outside the image
    times, logs = [], []
    for with_data in (False, True):
        m, log, tg = _sim(board, part, baud)
        try:
            if with_data:
                tg.write([(keep & ~0xFF, b"\xff" * 200 + b"kept" + b"\xff" * 52)])
                del log[:]
            t0 = tg.virtual_seconds
            res = planmod.execute(planmod.build(img, board), tg)
            times.append(tg.virtual_seconds - t0)
            logs.append(list(log))
            assert tg.read(nor, len(img.chunks[0][1])) == img.chunks[0][1]
            if with_data:
                assert tg.read(keep & ~0xFF, 256)[200:204] == b"kept"
                assert res.blank == 0 and res.erased == 16 + n
            else:
                assert tg.read(nor + (16 + n) * 4 * KB, 4 * KB) == b"\xff" * 4 * KB
                assert res.blank == 16 - n and res.erased == 32
        finally:
            tg.close()
    blank_log, data_log = logs
    assert blank_log.count(64 * KB) == 2 and blank_log.count(4 * KB) == 0
    assert data_log.count(64 * KB) == 1 and data_log.count(4 * KB) == n
    sector_s, block_s = TYPICAL_4K_64K[part]
    saved = n * sector_s - block_s
    assert times[1] - times[0] > shown * saved, (times, saved)
