"""The power-cut campaign (issue 15), shared by tests/test_powercut.py and tests/bench/bench_powercut.py,
for every board in the registry (`Rig(name)`; the module-level names are the H735's).

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
from stm32boot.sim import board as simboard
from stm32boot.sim.powercut import PowerCut, PowerLost
from stm32boot.sim_link import SimTransport
from stm32boot.target import Target

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BKPT = 0x200          # the app's reset handler: one BKPT whose immediate names the version


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


class Rig:
    """One board of the registry on the bench: its bootloader build, where a minimal application goes
    (the sector after the bootloader's, the next one for data, the start of the NOR) and the steps of
    the campaign."""

    def __init__(self, name: str):
        self.board = boards.get(name)
        self.bl = os.path.join(ROOT, "build", "firmware", name, "bootloader.elf")
        self.bl_bin = os.path.join(ROOT, "build", "firmware", name, "bootloader.bin")
        fl = self.board.memories[0]
        self.app = fl.base + self.board.bootloader_size
        sectors = [a for a, _ in fl.sector_list()]
        self.data = sectors[sectors.index(self.app) + 1]
        self.nor = self.board.memory("nor").base
        ram = next(r for r in self.board.ram if r[0] == "DTCM")
        self.stack_top = ram[1] + ram[2]

    def app_image(self, tag: int, change_first_sector: bool):
        """A minimal application over both memories: a vector table + BKPT #imm in its first sector,
        data in the next sector and 8 KB in the NOR (two sectors). `tag` changes the data; the first
        sector changes only with change_first_sector (the issue's case is: it does not)."""
        vec = struct.pack("<II", self.stack_top, self.app + BKPT + 1) + b"\xff" * (BKPT - 8)
        imm = (tag if change_first_sector else 0xA1) & 0xFF
        code = vec + struct.pack("<H", 0xBE00 | imm) + b"\x00\xbf" * 15
        data = bytes((i * 7 + tag) & 0xFF for i in range(2048))
        nor = bytes((i * 13 + 3 * tag) & 0xFF for i in range(8192))
        return merge([Segment(self.app, code, "app"), Segment(self.data, data, "app"),
                      Segment(self.nor, nor, "app")]), imm

    def build(self, state_dir, blank: bool = False):
        return simboard.build(self.board, state_dir=str(state_dir), blank=blank, warn=lambda *a: None)

    def open_board(self, state, at=None, seed=0):
        m = self.build(state)
        pc = PowerCut.attach(m, at=at, seed=seed) if at is not None or seed is not None else None
        return m, pc

    def connect(self, m):
        tg = Target(CutTransport(self.board, machine=m))
        tg.hello()
        tg.negotiate_baud()               # the fastest rate the board and the link share
        return tg

    def flash(self, m, image):
        tg = self.connect(m)
        p = planmod.build(image, self.board)
        planmod.execute(p, tg)
        return tg

    def peek(self, m, addr, n) -> bytes:
        """The memories' cells (the NOR's array, whatever the controller's mode)."""
        if addr >= self.nor:
            return bytes(m.nor.mem[addr - self.nor:addr - self.nor + n])
        return m.read(addr, n)

    def holds(self, m, image) -> bool:
        return all(self.peek(m, a, len(d)) == bytes(d) for a, d in image.chunks)

    def boot_alone(self, m):
        """Power-up with no host: what starts. Returns the BKPT immediate of the application that ran, or
        None when the bootloader stayed (it listens 200 ms, then starts a valid application)."""
        m.reset()
        r = m.run(max_virtual_s=0.6, timeout_s=60)
        if r.reason == "bkpt" and m.pc() == self.app + BKPT:
            return r.bkpt
        assert r.reason != "fault", f"the board faulted at power-up: {r.detail}"
        return None

    def make_base(self, dirpath, old):
        """A board with the bootloader and application `old` committed (flashed through the bootloader)."""
        m = self.build(dirpath, blank=True)
        m.load_elf(self.bl)
        m.reset()
        self.flash(m, old)
        m.close()

    def one_cut(self, base, work, k, old, new, new_imm, old_imm, seed=0):
        """Cut at operation k of the A -> B session; check power-up and the reflash. Returns the cut's
        description, or None when the session has fewer than k operations."""
        if os.path.exists(work):
            shutil.rmtree(work)
        shutil.copytree(base, work)
        m, pc = self.open_board(work, at=k, seed=seed)
        try:
            self.flash(m, new)
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
        m, _ = self.open_board(work, at=None, seed=None)
        try:
            ran = self.boot_alone(m)
            if ran is not None:
                a, b = self.holds(m, old), self.holds(m, new)
                assert a or b, f"cut at op {k} {what}: an application started over a mix of images"
                assert ran == (old_imm if a else new_imm)
            m.reset()
            self.flash(m, new)                 # the reflash completes and verifies (raises otherwise)
            assert self.holds(m, new)
            assert self.boot_alone(m) == new_imm, f"cut at op {k} {what}: the reflashed application does not start"
        finally:
            m.close()
        return what

    def count_ops(self, base, work, new):
        """The session's erase/program operations, in order (a dry run)."""
        return self._dry_run(base, work, lambda m: self.flash(m, new))

    def count_update_ops(self, base, work, blob):
        """The bootloader update's erase/program operations, in order (a dry run)."""
        return self._dry_run(base, work, lambda m: self.connect(m).update_bootloader(blob))

    def _dry_run(self, base, work, action):
        if os.path.exists(work):
            shutil.rmtree(work)
        shutil.copytree(base, work)
        m, pc = self.open_board(work, at=None, seed=0)
        try:
            action(m)
        finally:
            m.close()
        return list(pc.ops)

    def probe_rewrites_bootloader(self, m):
        """README "Recovery": a debug probe (or the ST ROM bootloader, BOOT0 high) erases sector 0 and
        writes build/firmware/<board>/bootloader.bin there. Modelled with the FLASH array (what the
        probe's own loader does), nothing else touched."""
        fl = self.board.memories[0]
        m.write(fl.base, b"\xff" * self.board.bootloader_size)
        m.load_elf(self.bl)

    def one_update_cut(self, base, work, k, old, old_imm, blob, seed=0):
        """Cut at operation k of `doit flash-loader` (Target.update_bootloader). Returns (op, state at
        power-up: "new" | "vectors erased" | "torn vectors"), or None when the update has fewer ops."""
        if os.path.exists(work):
            shutil.rmtree(work)
        shutil.copytree(base, work)
        m, pc = self.open_board(work, at=k, seed=seed)
        try:
            self.connect(m).update_bootloader(blob)
        except PowerLost:
            pass
        finally:
            if pc.fired:
                m.state.close()
            else:
                m.close()
        if not pc.fired:
            return None
        m, _ = self.open_board(work, at=None, seed=None)
        try:
            fl = self.board.memories[0]
            if m.read(fl.base, len(blob)) == blob:
                state = "new"
            elif m.read(fl.base, 32) == b"\xff" * 32:
                state = "vectors erased"            # the board stays in reset-fault: never runs half a bootloader
            else:
                state = "torn vectors"
            if state != "new":
                self.probe_rewrites_bootloader(m)
            assert self.boot_alone(m) == old_imm, f"update cut at op {k}: the application did not survive"
            m.reset()
            tg = self.connect(m)
            tg.update_bootloader(blob)              # and the normal path works again
        finally:
            m.close()
        return pc.ops[k - 1], state


def cut_points(ops, every: int):
    """1-based indices: every erase, every `every`-th program, and the last operation (the record)."""
    pts = [i + 1 for i, (_, kind, _, _) in enumerate(ops) if kind == "erase" or i % every == 0]
    if len(ops) not in pts:
        pts.append(len(ops))
    return pts


def key_points(ops):
    """1-based indices of the operations a short campaign cuts: the first (the record's erase), the first
    erase of internal flash, the middle program of the NOR data, and the last (the record's program)."""
    flash_erase = next(i + 1 for i, o in enumerate(ops) if o[:2] == ("flash", "erase"))
    nor_progs = [i + 1 for i, o in enumerate(ops[:-1]) if o[:2] == ("nor", "program")]
    return sorted({1, flash_erase, nor_progs[len(nor_progs) // 2], len(ops)})


# The H735's rig under the names bench_powercut.py and the single-board tests use.
H735 = Rig("h735")
BOARD, BL, BL_BIN, APP, DATA, NOR = H735.board, H735.bl, H735.bl_bin, H735.app, H735.data, H735.nor
app_image, open_board, connect, flash, peek, holds = (H735.app_image, H735.open_board, H735.connect, H735.flash,
                                                       H735.peek, H735.holds)
boot_alone, make_base, one_cut, count_ops = H735.boot_alone, H735.make_base, H735.one_cut, H735.count_ops
probe_rewrites_bootloader, one_update_cut = H735.probe_rewrites_bootloader, H735.one_update_cut
