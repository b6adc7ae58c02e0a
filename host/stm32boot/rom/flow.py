"""Flashing, verifying and erasing through the ROM bootloader with the same plan as our own bootloader
path (stm32boot.plan: image checked against the memory map, packed per sector, sector CRCs): unchanged
sectors are skipped, written sectors verified, and the same summary line printed. The ROM has no CRC
over bytes: a sector is compared with Get Checksum (AN3155 §3.14) when the chip lists it, else by
reading it back (Read Memory, 256 bytes per round trip) against the sector's intended content, stopping
at the first block that differs.
"""
from __future__ import annotations

import time

from .. import plan as planmod
from ..boards.model import Board, Memory, Uart
from . import diagnose, protection
from .client import Nack, RomError
from .devices import FLASH_BASE, Device
from .frame import Cmd, crc_words


def board_for(dev: Device, dual: bool = False, title: str | None = None) -> Board:
    """The chip's flash as a board description for the planner: nothing reserved (the ROM bootloader
    lives in system memory), erase units as sectors, 256-byte writes."""
    runs = dev.sectors_dual if dual and dev.sectors_dual else dev.sectors
    erased = 0x00 if dev.family == "l1" else 0xFF
    flash = Memory("flash", FLASH_BASE, dev.flash_size, tuple(runs), program_unit=dev.write_align,
                   page_size=256, erased=erased, kind="internal")
    return Board(name=f"rom-0x{dev.pid:03X}", title=title or dev.name, chip=dev.name, dev_id=dev.pid,
                 memories=(flash,), console=Uart("USART1", "PA9", "PA10", 0), hse_hz=0, bootloader_size=0,
                 ram=(("RAM", dev.ram_free[0], dev.ram_free[1] - dev.ram_free[0]),))


class RomResult(planmod.Result):
    """The plan's summary line; the rate in kB/s (ROM transfers are far below 1 MB/s)."""

    def summary(self, verb: str = "flash") -> str:
        line = super().summary(verb).replace("verified by CRC", "verified by readback")
        secs = self.virtual_s if self.virtual_s is not None else self.wall_s
        if self.written and secs > 0 and ", " in line and line.endswith("MB/s"):
            line = line.rsplit(", ", 1)[0] + f", {self.written / secs / 1e3:.1f} kB/s"
        return line


def options(session) -> bytes | None:
    return diagnose.read_options(session.client)


def dual_bank(session) -> bool:
    return protection.dual_bank(session.dev, options(session)) if session.dev.sectors_dual else False


def _guard(session, fn, *a, **kw):
    try:
        return fn(*a, **kw)
    except Nack as e:
        raise diagnose.explain_nack(session.client, e) from None


def _content(s, erased: int) -> bytearray:
    """What the sector must hold afterwards: the image's pages, the erased value elsewhere."""
    content = bytearray([erased]) * s.size
    for a, data in s.pages:
        content[a - s.addr:a - s.addr + len(data)] = data
    return content


COMPARE_STEP = 4096     # readback compare stops at the first differing block (a blank board: one read)


def sector_matches(session, s, erased: int) -> bool:
    c = session.client
    want = _content(s, erased)
    if c.has(Cmd.GET_CHECKSUM):
        return _guard(session, c.checksum, s.addr, s.size) == crc_words(want)
    for off in range(0, s.size, COMPARE_STEP):
        n = min(COMPARE_STEP, s.size - off)
        if _guard(session, c.read, s.addr + off, n) != want[off:off + n]:
            return False
    return True


def written_matches(session, s) -> bool:
    """Verify after writing: the written pages read back (or their Get Checksum) equal the image. The
    gaps were erased by an erase the chip acknowledged; a silently refused erase (WRP) shows up here too,
    as its writes are dropped the same way (AN3155 §3.6, §3.7)."""
    c = session.client
    for a, data in s.pages:
        data = bytes(data)
        if c.has(Cmd.GET_CHECKSUM) and len(data) % 4 == 0:
            if _guard(session, c.checksum, a, len(data)) != crc_words(data):
                return False
        elif _guard(session, c.read, a, len(data)) != data:
            return False
    return True


def flash(session, plan, progress=None) -> planmod.Result:
    t0 = time.monotonic()
    v0 = session.virtual_seconds
    c, dev = session.client, session.dev
    mem = plan.board.memories[0]
    for s in plan.sectors:
        s.action = planmod.SKIP if sector_matches(session, s, mem.erased) else planmod.ERASE
    plan.compared = True
    order = planmod.write_order(plan)
    numbers = {a: n for n, a, _ in dev.units(dual=plan.board.memories[0].sectors == dev.sectors_dual)}
    if order:
        _guard(session, c.erase, [numbers[s.addr] for s in order], [s.size for s in order])
    total = sum(s.data_bytes for s in order)
    if progress is not None and hasattr(progress, "total"):
        progress.total = total
    done = 0
    for s in order:
        for a, data in s.pages:
            _guard(session, c.write, a, bytes(data),
                   (lambda n, base=done: progress(base + n)) if progress else None)
            done += len(data)
    if total and progress is not None and hasattr(progress, "finish"):
        progress.finish()
    bad = [s for s in order if not written_matches(session, s)]
    if bad:
        s = bad[0]
        raise planmod.VerifyError(
            f"verify failed in {len(bad)} sector(s); first: flash 0x{s.addr:08X} ({s.size} bytes) does "
            f"not hold the image after writing{diagnose.wrp_report(c)}")
    v1 = session.virtual_seconds
    return RomResult(written=total, erased=len(order), skipped=len(plan.sectors) - len(order),
                          verified=len(order), wall_s=time.monotonic() - t0,
                          virtual_s=(v1 - v0) if v0 is not None and v1 is not None else None)


def erase_all(session) -> str:
    """Global erase where the chip has one, else every page by list (L1: AN2606 lists no mass erase)."""
    c, dev = session.client, session.dev
    if dev.mass_erase:
        _guard(session, c.mass_erase)
        return "mass erase"
    units = dev.units(dual_bank(session))
    _guard(session, c.erase, [n for n, _, _ in units], [s for _, _, s in units])
    return f"{len(units)} pages erased by list"


def erase_ranges(session, ranges) -> int:
    dev = session.client.dev
    units = dev.units(dual_bank(session))
    pick = [(n, s) for n, a, s in units if any(a < lo + ln and lo < a + s for lo, ln in ranges)]
    if not pick:
        raise RomError("the range covers no flash page or sector of this chip")
    _guard(session, session.client.erase, [n for n, _ in pick], [s for _, s in pick])
    return len(pick)


def read(session, addr: int, length: int, progress=None) -> bytes:
    return _guard(session, session.client.read, addr, length, progress)
