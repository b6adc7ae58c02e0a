"""stm32boot.native.pack: pages to program, sectors touched and their CRCs, against a slow oracle."""
import gc
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from stm32boot.boards import get as board
from stm32boot.native import PackError, crc32, pack, pack_memory

POLY, MASK = 0x04C11DB7, 0xFFFFFFFF


def ref_crc(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ POLY) & MASK if crc & 0x80000000 else (crc << 1) & MASK
    return crc


class RefError(Exception):
    def __init__(self, address):
        self.address = address


def ref_pack(segments, base, size, sectors, page_size, erased=0xFF):
    """Obviously correct and slow: a dict of every image byte, then walk sectors and pages."""
    image, outside, conflicts = {}, [], []
    for addr, data in segments:
        for i, b in enumerate(data):
            a = addr + i
            if not base <= a < base + size:
                outside.append(a)
            elif a in image and image[a] != b:
                conflicts.append(a)
            image.setdefault(a, b)
    if outside:
        raise RefError(min(outside))
    if conflicts:
        raise RefError(min(conflicts))
    pages, touched = [], []
    for s_addr, s_size in sectors:
        if not any(s_addr <= a < s_addr + s_size for a in image):
            continue
        content = bytes(image.get(a, erased) for a in range(s_addr, s_addr + s_size))
        touched.append((s_addr, s_size, ref_crc(content)))
        for p in range(s_addr, s_addr + s_size, page_size):
            page = content[p - s_addr:p - s_addr + page_size]
            if any(p <= a < p + page_size for a in image) and page != bytes([erased]) * page_size:
                pages.append((p, page))
    return pages, touched


def check_against_oracle(segments, base, size, sectors, page_size, erased=0xFF):
    try:
        want = ref_pack(segments, base, size, sectors, page_size, erased)
    except RefError as e:
        with pytest.raises(PackError) as got:
            pack(segments, base, size, sectors, page_size, erased)
        assert got.value.address == e.address
        shown = f"0x{e.address:08X}" if e.address >= 0 else f"-0x{-e.address:08X}"
        assert shown in str(got.value)
        return None
    got = pack(segments, base, size, sectors, page_size, erased)
    assert got.pages == want[0]
    assert [tuple(s) for s in got.sectors] == want[1]
    return got


def layout(base, sizes):
    out, a = [], base
    for s in sizes:
        out.append((a, s))
        a += s
    return out, a - base


# --- edge cases, each with the expected outcome spelled out -------------------------------------

BASE = 0x9000_0000
SECTORS, SIZE = layout(BASE, [64, 256, 64, 128])  # unequal sectors, 16-byte pages


def test_unaligned_start_and_end_are_padded_with_the_erased_value():
    r = pack([(BASE + 3, b"\x11" * 20)], BASE, SIZE, SECTORS, 16)
    assert r.pages == [(BASE, b"\xff" * 3 + b"\x11" * 13), (BASE + 16, b"\x11" * 7 + b"\xff" * 9)]
    assert r.sectors == [(BASE, 64, ref_crc(b"\xff" * 3 + b"\x11" * 20 + b"\xff" * 41))]
    check_against_oracle([(BASE + 3, b"\x11" * 20)], BASE, SIZE, SECTORS, 16)


def test_segment_across_a_sector_boundary_touches_both_sectors():
    r = check_against_oracle([(BASE + 60, bytes(range(10)))], BASE, SIZE, SECTORS, 16)
    assert [(s.addr, s.size) for s in r.sectors] == [(BASE, 64), (BASE + 64, 256)]
    assert [a for a, _ in r.pages] == [BASE + 48, BASE + 64]


def test_only_the_unequal_sector_holding_the_bytes_is_listed_with_its_own_size():
    r = check_against_oracle([(BASE + 64 + 200, b"\x01")], BASE, SIZE, SECTORS, 16)
    assert [(s.addr, s.size) for s in r.sectors] == [(BASE + 64, 256)]
    assert r.sectors[0].crc == ref_crc(b"\xff" * 200 + b"\x01" + b"\xff" * 55)


def test_blank_pages_are_dropped_but_their_sector_is_erased_and_crcd():
    data = b"\x22" * 16 + b"\xff" * 32 + b"\x33" * 16
    r = check_against_oracle([(BASE, data)], BASE, SIZE, SECTORS, 16)
    assert [a for a, _ in r.pages] == [BASE, BASE + 48]
    assert r.blank_pages == 2
    assert r.sectors[0].crc == ref_crc(data)
    r = check_against_oracle([(BASE + 64, b"\xff" * 5)], BASE, SIZE, SECTORS, 16)
    assert r.pages == [] and [s.addr for s in r.sectors] == [BASE + 64]


def test_erased_value_zero_drops_zero_pages_and_keeps_ff_pages():
    data = b"\x00" * 16 + b"\xff" * 16
    r = check_against_oracle([(BASE, data)], BASE, SIZE, SECTORS, 16, erased=0x00)
    assert r.pages == [(BASE + 16, b"\xff" * 16)]
    assert r.sectors[0].crc == ref_crc(data + b"\x00" * 32)


def test_identical_overlaps_are_accepted():
    data = bytes(range(100))
    r = check_against_oracle([(BASE + 10, data), (BASE + 30, data[20:50]), (BASE + 5, b"\xff" * 5 + data[:3])],
                             BASE, SIZE, SECTORS, 16)
    assert b"".join(p for _, p in r.pages)[10:110] == data


def test_conflicting_overlap_names_the_lowest_differing_address_and_both_segments():
    segs = [(BASE + 100, b"\x00" * 50), (BASE + 120, b"\x00" * 5 + b"\x01"),  # differs at +125
            (BASE + 110, b"\x00\x07")]                                         # differs at +111
    with pytest.raises(PackError) as e:
        pack(segs, BASE, SIZE, SECTORS, 16)
    assert e.value.address == BASE + 111
    assert "0x9000006F" in str(e.value) and "#0" in str(e.value) and "#2" in str(e.value)
    assert isinstance(e.value, ValueError)



def test_conflict_on_the_first_overlapping_byte_is_found():
    with pytest.raises(PackError) as e:
        pack([(BASE + 8, b"\x01\x02\x03"), (BASE + 9, b"\x09\x03\x04")], BASE, SIZE, SECTORS, 16)
    assert e.value.address == BASE + 9 and "(0x02 vs 0x09)" in str(e.value)


def test_nested_overlaps_identical_and_conflicting():
    rnd = random.Random(4)
    truth = rnd.randbytes(SIZE)
    big = [(BASE, truth)]
    inner = [(BASE + a, truth[a:a + n]) for a, n in ((rnd.randrange(SIZE - 40), rnd.randrange(1, 40)) for _ in range(300))]
    check_against_oracle(big + inner, BASE, SIZE, SECTORS, 16)
    check_against_oracle(inner[::-1] + big, BASE, SIZE, SECTORS, 16)
    zeros = bytes(100)
    b = bytearray(50)
    b[30] = 1                              # B disagrees with A at +40
    c = b"\x00" * 10                        # C agrees with A; the lower conflict must still win:
    d = b"\x01"                             # D disagrees with A at +20
    for segs in ([(BASE, zeros), (BASE + 10, bytes(b)), (BASE + 20, d), (BASE + 40, c)],
                 [(BASE + 40, c), (BASE + 10, bytes(b)), (BASE, zeros)]):
        check_against_oracle(segs, BASE, SIZE, SECTORS, 16)


@pytest.mark.parametrize("addr,length,bad", [
    (BASE - 4, 8, BASE - 4),             # starts below the memory
    (BASE + SIZE - 2, 4, BASE + SIZE),   # runs off the end: the first byte past it
    (BASE + SIZE + 100, 1, BASE + SIZE + 100),
])
def test_bytes_outside_the_memory_are_named(addr, length, bad):
    with pytest.raises(PackError, match=f"0x{bad:08X} is outside nor") as e:
        pack([(BASE, b"\x01"), (addr, b"\x02" * length)], BASE, SIZE, SECTORS, 16, name="nor")
    assert e.value.address == bad


def test_last_byte_of_the_memory_is_inside_and_empty_segments_are_ignored():
    r = pack([(BASE + SIZE - 1, b"\x05"), (0, b"")], BASE, SIZE, SECTORS, 16)
    assert r.pages == [(BASE + SIZE - 16, b"\xff" * 15 + b"\x05")]
    r = pack([], BASE, SIZE, SECTORS, 16)
    assert len(r) == 0 and r.pages == [] and r.sectors == []


@pytest.mark.parametrize("kwargs,message", [
    (dict(page_size=0), "page_size is 0"),
    (dict(program_unit=6), "program_unit 6 does not divide page_size 16"),
    (dict(size=SIZE + 64), "do not add up"),
    (dict(page_size=128), "not a multiple of page_size 128"),
    (dict(base=BASE + 8, sectors=layout(BASE + 8, [64, 256, 64, 128])[0]), "not a multiple of page_size"),
    (dict(sectors=[(BASE, 64), (BASE + 128, 256)]), "not contiguous: sector at 0x90000080"),
])
def test_bad_geometry_is_reported(kwargs, message):
    args = dict(segments=[(BASE, b"\x01")], base=BASE, size=SIZE, sectors=SECTORS, page_size=16)
    args.update(kwargs)
    with pytest.raises(PackError, match=message):
        pack(**args)


def test_board_memories_pack_and_segment_order_does_not_matter():
    h735 = board("h735")
    rnd = random.Random(5)
    for mem in h735.memories:
        segs = [(mem.base + rnd.randrange(0, 200_000), rnd.randbytes(rnd.randrange(1, 3000))) for _ in range(40)]
        segs = list({a: (a, d) for a, d in segs}.values())
        # make overlaps identical: later segments take their bytes from an image of the earlier ones
        image = {}
        fixed = []
        for a, d in segs:
            d = bytes(image.get(a + i, b) for i, b in enumerate(d))
            image.update((a + i, b) for i, b in enumerate(d))
            fixed.append((a, d))
        r1, r2 = pack_memory(fixed, mem), pack_memory(fixed[::-1], mem)
        assert r1.pages == r2.pages and r1.sectors == r2.sectors
        assert all(a % mem.page_size == 0 and len(p) == mem.page_size for a, p in r1.iter_pages())
        for s in r1.sectors:
            content = bytes(image.get(a, mem.erased) for a in range(s.addr, s.addr + s.size))
            assert s.crc == crc32(content)


def test_views_are_read_only_and_outlive_the_result():
    data = random.Random(9).randbytes(3 << 20)  # big enough for its own mmap: a dangling view would fault
    r = pack([(BASE, data)], BASE, 4 << 20, [(BASE + i * 4096, 4096) for i in range(1024)], 256)
    pages = list(r.iter_pages())
    assert len(r) == len(pages) == 3 * 4096 and r.page(1) == (BASE + 256, pages[1][1])
    with pytest.raises(TypeError):
        pages[0][1][0] = 0
    del r
    gc.collect()
    assert b"".join(v for _, v in pages) == data
    assert list(r_addr for r_addr, _ in pages) == list(range(BASE, BASE + (3 << 20), 256))


# --- property tests: random images and layouts against the oracle --------------------------------

@st.composite
def images(draw):
    page_size = draw(st.sampled_from([1, 2, 4, 8, 16, 32]))
    sizes = draw(st.lists(st.integers(1, 8).map(lambda n: n * page_size), min_size=1, max_size=8))
    base = draw(st.integers(0, 4)) * 64 * page_size
    sectors, size = layout(base, sizes)
    erased = draw(st.sampled_from([0xFF, 0x00]))
    truth = draw(st.binary(min_size=size, max_size=size).map(
        lambda b: bytes(erased if x < 100 else x for x in b)))  # plenty of erased bytes: blank pages
    segs = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(base - 2, base + size + 1))
        length = draw(st.integers(0, size // 2 + 2))
        data = bytearray(truth[a - base] if base <= a < base + size else 7 for a in range(start, start + length))
        if data and draw(st.booleans()) and draw(st.booleans()):
            data[draw(st.integers(0, len(data) - 1))] ^= 0x40  # sometimes a conflicting byte
        segs.append((start, bytes(data)))
    return segs, base, size, sectors, page_size, erased


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images())
def test_pack_matches_oracle(case):
    check_against_oracle(*case)
