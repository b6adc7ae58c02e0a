"""Planning and executing a flash against a FakeTarget with real erase/program semantics:
what gets erased, skipped, written, in which order, and that verification catches lies."""
import dataclasses
import io

import pytest

from stm32boot import boards
from stm32boot import plan as planmod
from stm32boot.image import Image, merge, Segment
from stm32boot.progress import Progress
from stm32boot.image import split
from uploader_fake import FakeTarget, ref_pack_memory

H735 = boards.get("h735")
APP = 0x0802_0000
NOR = 0x9000_0000
KB = 1024


def demo_image(nor_table: bytes | None = None) -> Image:
    """Like the demo: code in two internal sectors, a 64 KB table + a function in the NOR."""
    code = bytes((i * 37 + 11) & 0xFF for i in range(140 * KB))
    table = nor_table if nor_table is not None else bytes((i * 7) & 0xFF for i in range(64 * KB))
    return merge([Segment(APP, code, "demo.elf"),
                  Segment(NOR, table, "demo.elf"),
                  Segment(NOR + 0x20000, b"\x70\x47" * 8, "demo.elf")])


def flash(image, target, **kw):
    p = planmod.build(image, H735)
    return p, planmod.execute(p, target, **kw)


def board_holds(target, image):
    return all(target.peek(a, len(d)) == d for a, d in image.chunks)


def test_native_packer_matches_reference_and_plans_agree():
    """The native packer (A) gives what the slow reference says, and so do the plans built on it."""
    img = demo_image()
    for mem, segs in split(img, H735).items():
        got = planmod._default_packer()(segs, mem)
        want = ref_pack_memory(segs, mem)
        assert [tuple(s) for s in got.sectors] == want.sectors
        assert [(a, bytes(d)) for a, d in got.iter_pages()] == want.pages
    fast, ref = planmod.build(img, H735), planmod.build(img, H735, packer=ref_pack_memory)
    assert [(s.addr, s.crc, [(a, bytes(d)) for a, d in s.pages]) for s in fast.sectors] == \
        [(s.addr, s.crc, [(a, bytes(d)) for a, d in s.pages]) for s in ref.sectors]


def test_first_flash_writes_everything_verified_and_board_equals_image():
    t = FakeTarget(H735)
    img = demo_image()
    p, res = flash(img, t)
    assert board_holds(t, img)
    assert t.erased[0] == APP                         # the app's vector table is gone first ...
    assert t.sectors_erased_in("flash") == [APP, APP + 128 * KB]
    assert sorted(t.sectors_erased_in("nor")) == [NOR + i * 4 * KB for i in range(16)] + [NOR + 0x20000]
    assert res.erased == 19 and res.skipped == 0 and res.verified == 19
    assert res.written == 140 * KB + 64 * KB + 256    # the 16-byte function padded to a NOR page
    # ... and written last: an interrupted flash leaves no valid-looking app. The rest of its sector
    # streams with the other data (its memory does not program 128 KB alone at the end).
    assert t.written[-1] == (APP, 4 * KB)
    assert sum(APP <= a < APP + 128 * KB for a, _ in t.written[:-1]) == 31


def test_second_flash_rewrites_nothing_and_says_so():
    t = FakeTarget(H735)
    img = demo_image()
    flash(img, t)
    t.erased.clear(), t.written.clear()
    t.crc_calls = 0
    p, res = flash(img, t)
    assert t.erased == [] and t.written == []
    assert t.crc_calls == 1              # one round trip decides; nothing written, nothing to verify
    assert res.erased == 0 and res.skipped == 19
    assert "nothing to write, all 19 sector(s) already hold the image" in res.summary()


def test_one_changed_nor_byte_rewrites_one_nor_sector_and_nothing_internal():
    t = FakeTarget(H735)
    table = bytearray((i * 7) & 0xFF for i in range(64 * KB))
    flash(demo_image(bytes(table)), t)
    t.erased.clear(), t.written.clear()
    table[5 * 4 * KB + 123] ^= 0x5A
    img = demo_image(bytes(table))
    p, res = flash(img, t)
    assert t.erased == [NOR + 5 * 4 * KB]
    assert all(NOR + 5 * 4 * KB <= a < NOR + 6 * 4 * KB for a, _ in t.written)
    assert res.erased == 1 and res.skipped == 18 and res.written == 4 * KB
    assert board_holds(t, img)


def test_stale_bytes_in_a_touched_sector_are_erased():
    """Semantics: a touched sector ends up as image bytes + erased value, whatever it held."""
    t = FakeTarget(H735)
    t.poke(NOR + 0x800, b"\x00" * 16)                   # leftovers from some earlier image
    img = merge([Segment(NOR, b"\x12" * 256, "x.bin")])
    flash(img, t)
    assert t.peek(NOR + 0x800, 16) == b"\xFF" * 16


def test_verify_catches_a_target_that_silently_drops_a_write():
    t = FakeTarget(H735, drop_write_at=NOR + 0x3000)
    with pytest.raises(planmod.VerifyError) as e:
        flash(demo_image(), t)
    msg = str(e.value)
    assert "sector 0x90003000" in msg and "expected" in msg and "flash again" in msg


def test_all_blank_sector_content_is_erased_not_written():
    t = FakeTarget(H735)
    t.poke(NOR, b"\x00" * 64)
    img = merge([Segment(NOR, b"\xFF" * 4096, "blank.bin")])
    p, res = flash(img, t)
    assert t.erased == [NOR] and t.written == [] and res.written == 0
    assert t.peek(NOR, 64) == b"\xFF" * 64


def test_requests_stay_within_protocol_limits_and_writes_are_page_aligned():
    t = FakeTarget(H735)                 # asserts <= 64 sectors/ranges per request, <= 4096 bytes
    img = merge([Segment(NOR, bytes((i % 251) for i in range(600 * KB)), "big.bin"),
                 Segment(APP + 3, b"\x01\x02", "odd.bin")])
    p, res = flash(img, t)
    assert board_holds(t, img)
    assert len(t.sectors_erased_in("nor")) == 150
    for a, n in t.written:
        mem = H735.memory_at(a)
        assert a % mem.page_size == 0 and n % mem.page_size == 0 and n <= 4096
    assert t.peek(APP, 5) == b"\xFF\xFF\xFF\x01\x02"


def test_dry_run_text_before_and_after_compare():
    t = FakeTarget(H735)
    img = demo_image()
    p = planmod.build(img, H735)
    text = p.describe()
    assert "flash @ 0x08000000: 143,360 image bytes in 2 sector(s): 2 to erase and write" in text
    assert "(target not compared)" in text
    flash(img, t)
    p = planmod.build(img, H735)
    t.erased.clear(), t.written.clear()
    planmod.compare(p, t)
    text = p.describe()
    assert "0 to erase and write (0 bytes), 2 unchanged" in text
    assert "skip: 0x90000000..0x9000FFFF (16 sectors), 0x90020000..0x90020FFF (1 sector)" in text
    assert t.erased == [] and t.written == []          # comparing is read-only


def test_summary_line_format():
    r = planmod.Result(written=1_234_567, erased=12, skipped=3, verified=12, wall_s=2.31, virtual_s=1.05)
    assert r.summary() == ("flash: 1,234,567 bytes written (12 sector(s) erased, 3 skipped unchanged), "
                           "verified by CRC, 2.31 s wall, 1.05 s on the simulated board's clock, 1.18 MB/s")
    r.virtual_s = None
    assert r.summary().endswith("2.31 s wall, 0.53 MB/s")


def test_progress_reports_every_byte_written():
    t = FakeTarget(H735)
    out = io.StringIO()
    bar = Progress("writing", 0, stream=out, tty=False)
    p = planmod.build(demo_image(), H735)
    bar.total = p.write_bytes
    planmod.execute(p, t, progress=bar)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("writing: 10% ") and lines[-1].startswith("writing: 100% ")
    assert len(lines) == 10


def test_blank_page_inside_a_sector_splits_the_writes():
    t = FakeTarget(H735)
    data = b"\x11" * 256 + b"\xFF" * 512 + b"\x22" * 256 + b"\xFF" * 100 + b"\x33"
    img = merge([Segment(NOR, data, "gappy.bin")])
    p, res = flash(img, t)
    assert t.written == [(NOR, 256), (NOR + 768, 512)]       # pages 1 and 2 are blank: skipped
    assert board_holds(t, img) and res.written == 768


def test_interrupted_flash_leaves_no_valid_app_and_a_reflash_completes():
    t = FakeTarget(H735, die_after_writes=20)
    t.poke(APP, b"\x00\x00\x02\x20\xD1\x02\x02\x08")        # an older app's vector table
    img = demo_image()
    with pytest.raises(Exception, match="cable was pulled"):
        flash(img, t)
    assert t.peek(APP, 8) == b"\xFF" * 8                     # no valid-looking application left
    assert 0x0800_0000 not in t.erased                      # the bootloader was never touched
    t.die_after_writes = None
    p, res = flash(img, t)
    assert board_holds(t, img) and res.skipped > 0          # what did land is not rewritten


class BlockFake(FakeTarget):
    """A bootloader that reports its NOR's 64 KB block command (as ours does on both boards)."""

    def info(self):
        i = super().info()
        i.memories = [dataclasses.replace(m, block_size=64 * KB) if m.kind == "external_nor" else m
                      for m in i.memories]
        return i


@pytest.mark.parametrize("sectors,block", [(9, True), (8, False)])
def test_a_partly_covered_block_is_erased_whole_only_when_quicker_and_its_rest_is_blank(sectors, block):
    """The H735's MX25LM51245G: 4 KB erase 25 ms, 64 KB block 220 ms, so from 9 image sectors in a block
    on, its blank other sectors are erased with them (the dry run and the summary say so); 8 stay 8."""
    t = BlockFake(H735)
    img = merge([Segment(NOR, bytes((i * 5) & 0xFF for i in range((16 + sectors) * 4 * KB - 7)), "nor.bin")])
    p = planmod.build(img, H735)
    planmod.compare(p, t)
    text = p.describe()
    nor_erased = 32 if block else 16 + sectors
    if block:
        assert "7 blank sector(s) outside the image erased with them by block commands" in text
        end = NOR + 0x20000 - 1
        assert f"erase blank: 0x{NOR + (16 + sectors) * 4 * KB:08X}..0x{end:08X} (7 sectors)" in text
    else:
        assert "blank" not in text
    res = planmod.execute(p, t)
    assert sorted(t.sectors_erased_in("nor")) == [NOR + i * 4 * KB for i in range(nor_erased)]
    assert res.erased == res.verified == nor_erased and res.blank == (7 if block else 0)
    assert (", 7 of them blank with their block" in res.summary()) is block
    assert board_holds(t, img)
    # the application record names the image, not the board it met
    assert planmod.digest(p) == planmod.digest(planmod.build(img, H735))


def test_a_sector_outside_the_image_holding_data_is_never_erased():
    t = BlockFake(H735)
    t.poke(NOR + 0x1F000, b"\x42" * 32)                  # block 1's last sector, outside the image
    img = merge([Segment(NOR, bytes(range(256)) * 16 * 28, "nor.bin")])    # 28 sectors: 12 of block 1
    p, res = flash(img, t)
    assert NOR + 0x1F000 not in t.erased and t.peek(NOR + 0x1F000, 32) == b"\x42" * 32
    assert res.blank == 0 and res.erased == 28 and board_holds(t, img)
