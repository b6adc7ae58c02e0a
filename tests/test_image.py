"""Images: ELF / HEX / BIN@ADDR loading, merging, and the board checks a user relies on."""
import subprocess

import pytest
from intelhex import IntelHex

from stm32boot import boards
from stm32boot.image import ImageError, load, merge, read_file, split, Segment
from uploader_fake import make_elf

H735 = boards.get("h735")
APP = 0x0802_0000
NOR = 0x9000_0000


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def test_elf_segments_by_physical_address_and_nobits_skipped(tmp_path):
    # .data: runs at 0x24000000 (vaddr) but is stored at 0x08020100 (paddr); .bss has no file bytes.
    elf = make_elf([(APP, b"\x01" * 256), (APP + 0x100, b"\x02" * 16, 16, 0x2400_0000),
                    (0x2400_0010, b"", 0x400), (NOR, b"\x03" * 64)])
    img = load([write(tmp_path, "a.elf", elf)])
    assert img.chunks == [(APP, b"\x01" * 256 + b"\x02" * 16), (NOR, b"\x03" * 64)]
    per_mem = split(img, H735)
    assert {m.name: segs for m, segs in per_mem.items()} == {
        "flash": [(APP, b"\x01" * 256 + b"\x02" * 16)], "nor": [(NOR, b"\x03" * 64)]}


def test_real_linker_output_places_nor_section_and_data_lma(tmp_path):
    (tmp_path / "a.c").write_text(
        "const unsigned char table[64] __attribute__((section(\".nor\"))) = {1,2,3};\n"
        "int var = 0x11223344; int zero;\n"
        "int _start(void) { return table[1] + var + zero; }\n")
    (tmp_path / "a.ld").write_text(
        "MEMORY { FLASH (rx) : ORIGIN = 0x08020000, LENGTH = 896K\n"
        "         RAM (rwx) : ORIGIN = 0x24000000, LENGTH = 320K\n"
        "         NOR (rx) : ORIGIN = 0x90000000, LENGTH = 64M }\n"
        "SECTIONS { .text : { *(.text*) *(.rodata*) } > FLASH\n"
        "  .data : { *(.data*) } > RAM AT > FLASH\n"
        "  .bss (NOLOAD) : { *(.bss*) *(COMMON) } > RAM\n"
        "  .nor : { KEEP(*(.nor)) } > NOR }\n")
    out = tmp_path / "a.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m7", "-mthumb", "-O1", "-nostdlib",
                    "-T", str(tmp_path / "a.ld"), str(tmp_path / "a.c"), "-o", str(out),
                    "-Wl,--no-warn-rwx-segments"], check=True, capture_output=True)
    img = load([str(out)])
    per_mem = {m.name: segs for m, segs in split(img, H735).items()}
    assert per_mem["nor"][0][0] == NOR and per_mem["nor"][0][1][:3] == b"\x01\x02\x03"
    flash = b"".join(d for _, d in per_mem["flash"])
    assert per_mem["flash"][0][0] == APP
    assert (0x11223344).to_bytes(4, "little") in flash      # .data initialiser stored in flash
    assert all(a < 0x2400_0000 or a >= NOR for a, _ in img.chunks)   # nothing at the RAM address


def test_intel_hex_and_bin_merge(tmp_path):
    ih = IntelHex()
    ih.frombytes(b"\xAA" * 40, offset=NOR + 0x1000)
    hexf = str(tmp_path / "t.hex")
    ih.write_hex_file(hexf)
    binf = write(tmp_path, "app.bin", b"\x55" * 100)
    img = load([hexf, f"{binf}@0x08020000"])
    assert img.chunks == [(APP, b"\x55" * 100), (NOR + 0x1000, b"\xAA" * 40)]
    assert img.sources == [binf, hexf]


def test_identical_overlap_is_fine_different_bytes_name_address_and_both_files(tmp_path):
    a = write(tmp_path, "a.bin", bytes(range(16)))
    b = write(tmp_path, "b.bin", bytes(range(8, 16)) + b"\xEE")
    assert load([f"{a}@0x08020000", f"{b}@0x08020008"]).chunks == [(APP, bytes(range(16)) + b"\xEE")]
    c = write(tmp_path, "c.bin", b"\x08\x09\x0A\x77")
    with pytest.raises(ImageError) as e:
        load([f"{a}@0x08020000", f"{c}@0x08020008"])
    msg = str(e.value)
    assert "0x0802000B" in msg and "a.bin" in msg and "c.bin" in msg


def test_adjacent_segments_join():
    img = merge([Segment(APP + 4, b"b" * 4, "y"), Segment(APP, b"a" * 4, "x")])
    assert img.chunks == [(APP, b"aaaabbbb")]
    assert img.source_at(APP + 5) == "y"


def test_bytes_outside_memories_name_address_and_list_memories(tmp_path):
    f = write(tmp_path, "ram.elf", make_elf([(0x2400_0000, b"\x00" * 8)]))
    with pytest.raises(ImageError) as e:
        split(load([f]), H735)
    msg = str(e.value)
    assert "0x24000000" in msg and "ram.elf" in msg
    assert "flash 0x08000000-0x080FFFFF (1 MB)" in msg and "nor 0x90000000-0x93FFEFFF (65532 KB)" in msg


def test_segment_running_off_the_end_of_flash(tmp_path):
    f = write(tmp_path, "big.bin", b"\x00" * 64)
    with pytest.raises(ImageError, match="0x08100000"):
        split(load([f"{f}@0x080FFFE0"]), H735)


def test_image_over_the_bootloader_is_refused(tmp_path):
    f = write(tmp_path, "boot.elf", make_elf([(0x0801_FFF0, b"\x00" * 32)]))
    with pytest.raises(ImageError) as e:
        split(load([f]), H735)
    msg = str(e.value)
    assert msg.startswith("image would overwrite the bootloader at 0x08000000")
    assert "0x0801FFF0" in msg and "0x08020000 or later" in msg


@pytest.mark.parametrize("content,needle", [
    (":020000040800F2\n:10000000000102030405060708090A0B0C0D0E0F78\n:10001000GG\n", "line 3"),
    (":020000040800F2\n:1000000000010203040506070809AABB0C0D0E0F00\n", "line 2"),
    ("hello\n", "line 1"),
])
def test_malformed_hex_names_the_line(tmp_path, content, needle):
    f = write(tmp_path, "bad.hex", content.encode())
    with pytest.raises(ImageError) as e:
        read_file(f)
    assert "bad.hex" in str(e.value) and needle in str(e.value) and "Intel HEX" in str(e.value)


def test_malformed_elf_files(tmp_path):
    good = make_elf([(APP, b"\x01" * 64)])
    cases = {
        "trunc.elf": good[:-20],                       # segment runs past the end of the file
        "cut.elf": good[:30],                          # header cut short
        "x86.elf": make_elf([(APP, b"\x01" * 4)], machine=62),
        "junk.elf": b"MZ\x90\x00not an elf",
    }
    for name, raw in cases.items():
        with pytest.raises(ImageError) as e:
            read_file(write(tmp_path, name, raw))
        msg = str(e.value)
        assert name in msg, msg
    assert "ARM" in _err(tmp_path, "x86.elf", cases["x86.elf"])
    assert "malformed ELF" in _err(tmp_path, "junk.elf", cases["junk.elf"])
    assert "truncated" in _err(tmp_path, "trunc.elf", cases["trunc.elf"])


def _err(tmp_path, name, raw):
    with pytest.raises(ImageError) as e:
        read_file(write(tmp_path, name, raw))
    return str(e.value)


def test_bin_needs_an_address_and_a_readable_one(tmp_path):
    f = write(tmp_path, "app.bin", b"\x00" * 4)
    with pytest.raises(ImageError, match=r"app.bin@0x08020000"):
        read_file(f)
    with pytest.raises(ImageError, match="base address"):
        read_file(f"{f}@zzz")
    with pytest.raises(ImageError, match="cannot read"):
        read_file(str(tmp_path / "missing.elf"))
    elf = write(tmp_path, "a.elf", make_elf([(APP, b"\x01")]))
    with pytest.raises(ImageError, match="only applies to raw binaries"):
        read_file(f"{elf}@0x08020000")


def test_empty_image_is_an_error(tmp_path):
    f = write(tmp_path, "empty.elf", make_elf([(0x2400_0000, b"", 64)]))
    with pytest.raises(ImageError, match="no bytes to program"):
        read_file(f)
