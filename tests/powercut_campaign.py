"""The power-cut campaign (issue 15), shared by tests/test_powercut.py and tests/bench/bench_powercut.py.

A board holds application A (committed). A session flashes B; the power fails during the k-th erase
or program operation of that session (sim/powercut.py), for each k in turn. Then the board powers up
from its state directory with no host: either the bootloader stays, or an application starts, and
then every byte of the image ranges is A's or every byte is B's (never a mix). Then B is flashed
again through the bootloader, must verify, and must start.
"""
from __future__ import annotations

import os
import shutil
import struct

from stm32boot import boards
from stm32boot import plan as planmod
from stm32boot.image import Segment, merge
from stm32boot.sim import h735
from stm32boot.sim.powercut import PowerCut, PowerLost
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf")
BL_BIN = os.path.join(ROOT, "build", "firmware", "h735", "bootloader.bin")
BOARD = boards.get("h735")
APP, DATA, NOR = 0x0802_0000, 0x0804_0000, 0x9000_0000
BKPT = 0x200          # the app's reset handler: one BKPT whose immediate names the version


def app_image(tag: int, change_first_sector: bool):
    """A minimal application over both memories: a vector table + BKPT #imm in sector 1, data in
    sector 2 and 8 KB in the NOR (two sectors). `tag` changes the data; the first sector changes only
    with change_first_sector (the issue's case is: it does not)."""
    vec = struct.pack("<II", 0x2002_0000, APP + BKPT + 1) + b"\xff" * (BKPT - 8)
    imm = (tag if change_first_sector else 0xA1) & 0xFF
    code = vec + struct.pack("<H", 0xBE00 | imm) + b"\x00\xbf" * 15
    data = bytes((i * 7 + tag) & 0xFF for i in range(2048))
    nor = bytes((i * 13 + 3 * tag) & 0xFF for i in range(8192))
    return merge([Segment(APP, code, "app"), Segment(DATA, data, "app"), Segment(NOR, nor, "app")]), imm


class CutTransport(SimTransport):
    """The simulated board as the host sees it, until the power fails: then PowerLost."""

    def _run(self, until_ps, stop_on_tx):
        pc = getattr(self.m, "powercut", None)
        try:
            if pc is None or not pc.fired:
                super()._run(until_ps, stop_on_tx)
        except Exception:
            if pc is None or not pc.fired:
                raise
        if pc is not None and pc.fired:
            raise PowerLost("the simulated board lost power")


def open_board(state, at=None, seed=0):
    m = h735.build(state_dir=str(state), warn=lambda *a: None)
    pc = PowerCut.attach(m, at=at, seed=seed) if at is not None or seed is not None else None
    return m, pc


def connect(m):
    tg = Target(CutTransport(BOARD, machine=m))
    tg.hello()
    tg.negotiate_baud(8_000_000)
    return tg


def flash(m, image):
    tg = connect(m)
    p = planmod.build(image, BOARD)
    planmod.execute(p, tg)
    return tg


def peek(m, addr, n) -> bytes:
    """The memories' cells (the NOR's array, whatever the OCTOSPI mode)."""
    if addr >= NOR:
        return bytes(m.nor.mem[addr - NOR:addr - NOR + n])
    return m.read(addr, n)


def holds(m, image) -> bool:
    return all(peek(m, a, len(d)) == bytes(d) for a, d in image.chunks)


def boot_alone(m):
    """Power-up with no host: what starts. Returns the BKPT immediate of the application that ran, or
    None when the bootloader stayed (it listens 200 ms, then starts a valid application)."""
    m.reset()
    r = m.run(max_virtual_s=0.6, timeout_s=60)
    if r.reason == "bkpt" and m.pc() == APP + BKPT:
        return r.bkpt
    assert r.reason != "fault", f"the board faulted at power-up: {r.detail}"
    return None


def make_base(dirpath, old):
    """A board with the bootloader and application `old` committed (flashed through the bootloader)."""
    m = h735.build(state_dir=str(dirpath), blank=True, warn=lambda *a: None)
    m.load_elf(BL)
    m.reset()
    flash(m, old)
    m.close()


def one_cut(base, work, k, old, new, new_imm, old_imm, seed=0):
    """Cut at operation k of the A -> B session; check power-up and the reflash. Returns the cut's
    description, or None when the session has fewer than k operations."""
    if os.path.exists(work):
        shutil.rmtree(work)
    shutil.copytree(base, work)
    m, pc = open_board(work, at=k, seed=seed)
    try:
        flash(m, new)
    except PowerLost:
        pass
    finally:
        if pc.fired:
            m.state.close()              # as after a SIGKILL: nothing saved at exit
        else:
            m.close()
    if not pc.fired:
        return None
    what = pc.ops[k - 1]
    m, _ = open_board(work, at=None, seed=None)
    try:
        ran = boot_alone(m)
        if ran is not None:
            a, b = holds(m, old), holds(m, new)
            assert a or b, f"cut at op {k} {what}: an application started over a mix of images"
            assert ran == (old_imm if a else new_imm)
        m.reset()
        flash(m, new)                      # the reflash completes and verifies (raises otherwise)
        assert holds(m, new)
        assert boot_alone(m) == new_imm, f"cut at op {k} {what}: the reflashed application does not start"
    finally:
        m.close()
    return what


def count_ops(base, work, new):
    """The session's erase/program operations, in order (a dry run)."""
    if os.path.exists(work):
        shutil.rmtree(work)
    shutil.copytree(base, work)
    m, pc = open_board(work, at=None, seed=0)
    try:
        flash(m, new)
    finally:
        m.close()
    return list(pc.ops)


def cut_points(ops, every: int):
    """1-based indices: every erase, every `every`-th program, and the last operation (the record)."""
    pts = [i + 1 for i, (_, kind, _, _) in enumerate(ops) if kind == "erase" or i % every == 0]
    if len(ops) not in pts:
        pts.append(len(ops))
    return pts


def probe_rewrites_bootloader(m):
    """README "Recovery": a debug probe (or the ST ROM bootloader, BOOT0 high) erases sector 0 and writes
    build/firmware/h735/bootloader.bin there. Modelled with the FLASH array (what the probe's own loader
    does), nothing else touched."""
    fl = BOARD.memories[0]
    m.write(fl.base, b"\xff" * BOARD.bootloader_size)
    m.load_elf(BL)


def one_update_cut(base, work, k, old, old_imm, blob, seed=0):
    """Cut at operation k of `doit flash-loader` (Target.update_bootloader). Returns (op, state at
    power-up: "new" | "vectors erased" | "torn vectors"), or None when the update has fewer ops."""
    if os.path.exists(work):
        shutil.rmtree(work)
    shutil.copytree(base, work)
    m, pc = open_board(work, at=k, seed=seed)
    try:
        connect(m).update_bootloader(blob)
    except PowerLost:
        pass
    finally:
        if pc.fired:
            m.state.close()
        else:
            m.close()
    if not pc.fired:
        return None
    m, _ = open_board(work, at=None, seed=None)
    try:
        fl = BOARD.memories[0]
        if m.read(fl.base, len(blob)) == blob:
            state = "new"
        elif m.read(fl.base, 32) == b"\xff" * 32:
            state = "vectors erased"            # the board stays in reset-fault: never runs half a bootloader
        else:
            state = "torn vectors"
        if state != "new":
            probe_rewrites_bootloader(m)
        assert boot_alone(m) == old_imm, f"update cut at op {k}: the application did not survive"
        m.reset()
        tg = connect(m)
        tg.update_bootloader(blob)              # and the normal path works again
    finally:
        m.close()
    return pc.ops[k - 1], state
