"""What a `stm32boot` run sets up before it reaches the board, kept cheap (issue 17: the simulator at least as
fast as the board) without changing what the user sees: sector lookups answered from the sector runs, ELF
files (images to flash, the simulator's firmware) read from their program headers by elf32.py, and a parser
built for the named command only."""
from __future__ import annotations

import os
import struct
import subprocess
import sys

import pytest
from elftools.elf.elffile import ELFFile

from stm32boot import boards, cli
from stm32boot.boards.model import Memory
from stm32boot.image import read_file
from stm32boot.sim import elfload

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
F746_FLASH = Memory("flash", 0x0800_0000, 1 << 20, ((4, 32 << 10), (1, 128 << 10), (3, 256 << 10)), 32, 256)


def _every_sector(mem: Memory):
    a = mem.base
    for count, size in mem.sectors:
        for _ in range(count):
            yield a, size
            a += size


@pytest.mark.parametrize("mem", [F746_FLASH] + [m for b in boards.BOARDS.values() for m in b.memories],
                         ids=lambda m: f"{m.name}@{m.base:#x}")
def test_every_address_finds_its_sector_from_the_runs(mem):
    sectors = list(_every_sector(mem))
    assert mem.sector_count == len(sectors) == len(mem.sector_list())
    for i, (start, size) in enumerate(sectors[:40] + sectors[-3:]):
        i = sectors.index((start, size))
        for addr in (start, start + 1, start + size // 2, start + size - 1):
            assert mem.sector_index(addr) == i
            assert mem.sector_at(addr) == (start, size)
    assert mem.sectors_covering(sectors[0][0] + 1, sectors[2][0] + 1) == sectors[:3]


def test_an_address_outside_the_memory_is_refused():
    with pytest.raises(ValueError, match="outside flash"):
        F746_FLASH.sector_at(F746_FLASH.end)
    with pytest.raises(ValueError, match="outside flash"):
        F746_FLASH.sector_index(F746_FLASH.base - 1)


def _built_elfs():
    out = []
    for d, _, files in os.walk(os.path.join(ROOT, "build")):
        out += [os.path.join(d, f) for f in files if f.endswith(".elf")]
    return sorted(out)


def test_the_simulator_loads_the_segments_pyelftools_sees():
    elfs = _built_elfs()
    assert elfs, "no ELF built: run `doit firmware` first"   # `doit test` builds first
    for path in elfs:
        with open(path, "rb") as f:
            e = ELFFile(f)
            want = (e["e_entry"], [(i, s["p_paddr"], s.data()) for i, s in enumerate(e.iter_segments())
                                   if s["p_type"] == "PT_LOAD" and s["p_filesz"] > 0])
        assert elfload._segments(path) == want, path
        assert [(s.addr, s.data) for s in read_file(path)] == [(a, d) for _, a, d in want[1]], path


def test_a_cut_or_foreign_elf_is_one_clear_error(tmp_path):
    elfs = _built_elfs()
    assert elfs, "no ELF built: run `doit firmware` first"   # `doit test` builds first
    raw = open(elfs[0], "rb").read()
    cut = tmp_path / "cut.elf"
    cut.write_bytes(raw[:40])
    with pytest.raises(elfload.ElfLoadError, match="cut.elf: not a readable ELF file"):
        elfload._segments(str(cut))
    phoff = struct.unpack_from("<I", raw, 28)[0]
    short = tmp_path / "short.elf"
    short.write_bytes(raw[:phoff + 32])          # the header table itself runs past the end
    with pytest.raises(elfload.ElfLoadError, match="short.elf: not a readable ELF file"):
        elfload._segments(str(short))
    x86 = tmp_path / "x86.elf"
    x86.write_bytes(raw[:18] + struct.pack("<H", 3) + raw[20:])   # e_machine EM_386
    with pytest.raises(elfload.ElfLoadError, match="x86.elf: not an ARM ELF"):
        elfload._segments(str(x86))


def test_a_named_command_gets_its_own_parser_and_a_typo_the_whole_list(capsys):
    assert cli.build_parser(["flash"]).parse_args(["flash", "a.elf", "--dry-run"]).dry_run
    with pytest.raises(SystemExit):
        cli.main(["flsh", "a.elf"])
    err = capsys.readouterr().err
    assert "invalid choice: 'flsh'" in err and "'flash'" in err and "'update-bootloader'" in err


def test_flash_does_not_import_what_it_does_not_use():
    elfs = _built_elfs()
    code = ("import sys; from stm32boot import cli, image; cli.build_parser(['flash']); "
            f"image.read_file({elfs[0]!r}) if {bool(elfs)} else None; "
            "print(' '.join(m for m in ('stm32boot.rom.commands', 'stm32boot.commands.sim', "
            "'elftools.elf.elffile') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
