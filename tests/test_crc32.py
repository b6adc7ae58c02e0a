"""stm32boot.native.crc32: CRC-32/MPEG-2 on every buffer type, every path, host and target alike."""
import array
import importlib.util
import os
import random
import shutil
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from stm32boot import native
from stm32boot._native import ffi, lib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLY, MASK = 0x04C11DB7, 0xFFFFFFFF


def ref_crc_bitwise(data, crc=0xFFFFFFFF):
    """The definition: MSB first, shift left, xor the polynomial when a 1 falls off."""
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ POLY) & MASK if crc & 0x80000000 else (crc << 1) & MASK
    return crc


_TABLE = [ref_crc_bitwise([b], 0) for b in range(256)]


def ref_crc(data, crc=0xFFFFFFFF):
    """Bytewise table built from the bitwise definition: fast enough for megabytes in a test."""
    for byte in data:
        crc = ((crc << 8) & MASK) ^ _TABLE[(crc >> 24) ^ byte]
    return crc


PATHS = {"dispatch": lambda d, v=0xFFFFFFFF: native.crc32(d, v),
         "table": lambda d, v=0xFFFFFFFF: lib.crc32_mpeg2_table(v, ffi.from_buffer(d), len(d))}
HAS_CLMUL = hasattr(lib, "crc32_mpeg2_has_clmul") and lib.crc32_mpeg2_has_clmul()
if HAS_CLMUL:
    PATHS["clmul"] = lambda d, v=0xFFFFFFFF: lib.crc32_mpeg2_clmul(v, ffi.from_buffer(d), len(d))


def test_check_value_and_bitwise_reference_agree():
    assert ref_crc_bitwise(b"123456789") == 0x0376E6E7
    for path in PATHS.values():
        assert path(b"123456789") == 0x0376E6E7


@pytest.mark.parametrize("data,expected", [
    (b"", 0xFFFFFFFF),                 # nothing fed: the initial value
    (b"\x00\x00\x00\x00", 0xC704DD7B),  # the STM32 CRC unit fed one zero word
    (b"\xff\xff\xff\xff", 0x00000000),  # init xor 0xFFFFFFFF cancels: remainder of 0 is 0
    (b"A", 0x7E4FD274),
])
def test_known_vectors(data, expected):
    assert ref_crc_bitwise(data) == expected
    for path in PATHS.values():
        assert path(data) == expected


def test_empty_input_returns_the_running_value():
    assert native.crc32(b"", 0x12345678) == 0x12345678


def test_every_offset_and_short_length_matches_reference():
    rnd = random.Random(1)
    buf = bytes(rnd.getrandbits(8) for _ in range(16 + 300))
    view = memoryview(buf)
    for off in range(16):
        crc, prefixes = 0xFFFFFFFF, [0xFFFFFFFF]
        for b in buf[off:off + 300]:  # every prefix CRC in one pass
            crc = ((crc << 8) & MASK) ^ _TABLE[(crc >> 24) ^ b]
            prefixes.append(crc)
        for n in range(301):
            chunk = view[off:off + n]
            for name, path in PATHS.items():
                assert path(chunk) == prefixes[n], (name, off, n)


@pytest.mark.parametrize("n", [4095, 4096, 4097, 65535, 65536 + 17, (1 << 20) + 13])
def test_lengths_around_fold_and_chunk_sizes(n):
    data = random.Random(n).randbytes(n + 7)[7:]
    expected = ref_crc(data)
    for name, path in PATHS.items():
        assert path(data) == expected, name


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.integers(0, MASK))
def test_all_paths_agree_with_reference_from_any_running_value(data, value):
    expected = ref_crc(data, value)
    for name, path in PATHS.items():
        assert path(data, value) == expected, name


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.data())
def test_incremental_use_equals_one_pass(data, draw):
    cut = draw.draw(st.integers(0, len(data)))
    assert native.crc32(data[cut:], native.crc32(data[:cut])) == native.crc32(data)


def test_every_buffer_type_gives_the_same_crc():
    data = random.Random(7).randbytes(1024)
    expected = ref_crc(data)
    words = array.array("I")
    words.frombytes(data)
    padded = b"xyz" + data + b"!"
    strided = memoryview(bytes(b for pair in zip(data, b"\0" * len(data)) for b in pair))[::2]
    for buf in (data, bytearray(data), memoryview(data), memoryview(bytearray(data)),
                memoryview(padded)[3:-1], words, memoryview(words), strided):
        assert native.crc32(buf) == expected, type(buf)


def test_bad_arguments_are_rejected_clearly():
    with pytest.raises(TypeError, match="bytes-like"):
        native.crc32("text")
    with pytest.raises(ValueError, match="32-bit"):
        native.crc32(b"x", 1 << 32)
    with pytest.raises(ValueError, match="32-bit"):
        native.crc32(b"x", -1)


def _dodo():
    spec = importlib.util.spec_from_file_location("_dodo_for_crc_test", os.path.join(ROOT, "dodo.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ARM_GCC = shutil.which("arm-none-eabi-gcc")


def test_crc_source_compiles_for_cortex_m7_with_the_firmware_flags(tmp_path):
    dodo = _dodo()
    obj = tmp_path / "crc32.o"
    r = subprocess.run(["arm-none-eabi-gcc", *dodo.CFLAGS, "-c", "native/crc32.c", "-o", str(obj)],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    syms = subprocess.run(["arm-none-eabi-nm", str(obj)], capture_output=True, text=True).stdout
    assert " T crc32_mpeg2" in syms and "clmul" not in syms


def test_target_build_computes_the_same_crc_as_the_host(tmp_path):
    """Run the Cortex-M7 object in unicorn: the firmware's CRC equals the host's."""
    from unicorn import UC_ARCH_ARM, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
    from unicorn.arm_const import UC_ARM_REG_LR, UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_SP

    dodo = _dodo()
    elf, binf = tmp_path / "crc.elf", tmp_path / "crc.bin"
    cpu = dodo._load(os.path.join(ROOT, "firmware", "cpu.py")).H7   # the H735's (each image names its own)
    link = ["arm-none-eabi-gcc", *cpu, *dodo.CFLAGS, "-nostdlib", "-Wl,--entry=crc32_mpeg2",
            "-Wl,-Ttext=0x08000000", "-Wl,--build-id=none", "native/crc32.c", "-o", str(elf)]
    r = subprocess.run(link, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(binf)], check=True)
    nm = subprocess.run(["arm-none-eabi-nm", str(elf)], capture_output=True, text=True).stdout
    entry = next(int(line.split()[0], 16) for line in nm.splitlines() if line.endswith(" crc32_mpeg2"))

    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.mem_map(0x08000000, 0x10000)
    uc.mem_map(0x20000000, 0x10000)
    uc.mem_write(0x08000000, binf.read_bytes())
    halt = 0x0800F000
    data = random.Random(3).randbytes(777)
    for chunk, value in ((b"123456789", 0xFFFFFFFF), (data, 0xFFFFFFFF), (data[5:], 0x0BADF00D)):
        uc.mem_write(0x20001000, chunk)
        uc.reg_write(UC_ARM_REG_R0, value)
        uc.reg_write(UC_ARM_REG_R1, 0x20001000)
        uc.reg_write(UC_ARM_REG_R2, len(chunk))
        uc.reg_write(UC_ARM_REG_SP, 0x20008000)
        uc.reg_write(UC_ARM_REG_LR, halt | 1)
        uc.emu_start(entry | 1, halt, count=200_000)
        assert uc.reg_read(UC_ARM_REG_R0) == native.crc32(chunk, value) == ref_crc(chunk, value)
