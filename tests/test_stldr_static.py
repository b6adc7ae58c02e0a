"""The .stldr file as STM32CubeProgrammer reads it (docs/external-loader-abi.md §1, §5 static checks):
symbols by name with the Thumb bit, a 200-byte StorageInfo in its own read-only segment that matches
the board description, the image linked at 0x24000004, and Init zeroing .bss from linker symbols."""
from __future__ import annotations

import struct

import pytest
from elftools.elf.constants import P_FLAGS, SH_FLAGS
from elftools.elf.elffile import ELFFile

from stm32boot import boards
from stldr_build import build_loader

FUNCS = ("Init", "Write", "SectorErase", "MassErase", "Read", "Verify", "CheckSum")
RAM_BASE, AXI_SRAM_SIZE = 0x2400_0000, 320 * 1024


@pytest.fixture(scope="module")
def elf():
    with open(build_loader(), "rb") as f:
        data = f.read()
    import io
    return ELFFile(io.BytesIO(data))


def symbols(elf):
    return {s.name: s for s in elf.get_section_by_name(".symtab").iter_symbols() if s.name}


def image_segments(elf):
    """What a host loads into RAM: PT_LOAD segments that are writable or executable."""
    return [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"
            and s["p_flags"] & (P_FLAGS.PF_W | P_FLAGS.PF_X)]


def read_symbol(elf, sym) -> bytes:
    sec = elf.get_section(sym["st_shndx"])
    off = sym["st_value"] - sec["sh_addr"]
    return sec.data()[off:off + sym["st_size"]]


def storage_info(elf) -> dict:
    raw = read_symbol(elf, symbols(elf)["StorageInfo"])
    name, dtype, pad0, start, size, page, erase, pad1 = struct.unpack_from("<100sH2sIIIB3s", raw)
    runs = [struct.unpack_from("<II", raw, 120 + 8 * i) for i in range(10)]
    return dict(raw=raw, name=name, type=dtype, pad0=pad0, start=start, size=size, page=page,
                erase=erase, pad1=pad1, runs=runs)


def test_is_an_arm_elf_with_its_symbols_kept(elf):
    assert elf.elfclass == 32 and elf.little_endian and elf["e_machine"] == "EM_ARM"
    assert elf["e_type"] == "ET_EXEC"
    assert elf.get_section_by_name(".symtab") is not None, "stripped: the programmer finds entry points by name"


@pytest.mark.parametrize("name", FUNCS)
def test_entry_point_is_a_thumb_function_inside_the_image(elf, name):
    sym = symbols(elf).get(name)
    assert sym is not None, f"{name} missing (dropped by --gc-sections?)"
    assert sym["st_info"]["type"] == "STT_FUNC" and sym["st_info"]["bind"] == "STB_GLOBAL"
    addr = sym["st_value"]
    assert addr & 1, f"{name} at 0x{addr:08X} has no Thumb bit"
    assert any(s["p_vaddr"] <= addr - 1 < s["p_vaddr"] + s["p_filesz"] and s["p_flags"] & P_FLAGS.PF_X
               for s in image_segments(elf)), f"{name} is not in the loaded executable image"


def test_storage_info_is_200_bytes_in_a_read_only_alloc_section(elf):
    sym = symbols(elf)["StorageInfo"]
    assert sym["st_size"] == 200
    sec = elf.get_section(sym["st_shndx"])
    flags = sec["sh_flags"]
    assert flags & SH_FLAGS.SHF_ALLOC
    assert not flags & (SH_FLAGS.SHF_WRITE | SH_FLAGS.SHF_EXECINSTR), "hosts would write it to the target"
    seg = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD" and s.section_in_segment(sec)]
    assert len(seg) == 1 and seg[0]["p_flags"] == P_FLAGS.PF_R, "StorageInfo needs its own R-only PT_LOAD"


def test_storage_info_describes_the_board_nor(elf):
    info = storage_info(elf)
    nor = boards.get("h735").memory("nor")
    name = info["name"].split(b"\0", 1)[0].decode()
    assert b"\0" in info["name"], "DeviceName must be NUL-terminated within 100 bytes"
    assert name == "MX25LM51245G_STM32H735G-DK-stm32boot"
    assert info["type"] == 3  # NOR_FLASH
    assert (info["start"], info["size"], info["page"]) == (0x9000_0000, 64 << 20, nor.page_size)
    assert info["erase"] == 0xFF
    assert info["pad0"] == b"\0\0" and info["pad1"] == b"\0\0\0"
    runs = info["runs"]
    used = runs[:runs.index((0, 0))]
    assert used == [tuple(r) for r in nor.device_sectors] == [(16384, 4096)]
    assert sum(c * s for c, s in used) == info["size"]
    assert all(s & (s - 1) == 0 and s >= info["page"] for _, s in used)


def test_image_linked_after_the_breakpoint_word_and_fits_axi_sram(elf):
    segs = image_segments(elf)
    lowest = min(s["p_vaddr"] for s in segs)
    assert lowest == RAM_BASE + 4, "first RAM word is the host's BKPT return stub"
    end = max(s["p_vaddr"] + s["p_memsz"] for s in segs)
    stack_top = (end + 0x400 + 7) & ~7
    assert stack_top + 0x40000 <= RAM_BASE + AXI_SRAM_SIZE, "image + stack + a 256 KB write buffer must fit"


def test_init_zeroes_bss_from_linker_symbols(elf):
    syms = symbols(elf)
    bss = elf.get_section_by_name(".bss")
    start, end = syms["__bss_start__"]["st_value"], syms["__bss_end__"]["st_value"]
    assert start <= end
    if bss is not None and bss["sh_size"]:
        assert start == bss["sh_addr"] and end == bss["sh_addr"] + bss["sh_size"]
    # Init's literal pool holds both addresses: it clears [start, end) itself.
    code = read_symbol(elf, syms["Init"])
    init = syms["Init"]["st_value"] & ~1
    text = elf.get_section(syms["Init"]["st_shndx"])
    pool = text.data()[init - text["sh_addr"]: init - text["sh_addr"] + len(code) + 64]
    assert struct.pack("<I", start) in pool and struct.pack("<I", end) in pool


def test_no_startup_code_is_assumed(elf):
    for name in (".init_array", ".preinit_array", ".fini_array"):
        sec = elf.get_section_by_name(name)
        assert sec is None or sec["sh_size"] == 0, f"{name}: nothing runs constructors in a loader"
