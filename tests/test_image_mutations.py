"""A mutation campaign over the image inputs a user can hand to `stm32boot flash`: truncations, bit
flips, bad checksums, a missing EOF record, overlaps, huge sizes, files that are not regular. Every
case must end within seconds in exit 0 (and then the image was valid and the board holds exactly
it) or exit 2 with one line and the board never opened. No traceback, no hang."""
import os
import random
import re
import signal
import threading

import pytest
from intelhex import IntelHex

from stm32boot import boards, session
from stm32boot.cli import main
from uploader_fake import FakeTarget, make_elf

H735 = boards.get("h735")
APP, NOR = 0x0802_0000, 0x9000_0000
HEX_LINE = re.compile(rb"^:([0-9A-Fa-f]{2})+$")


@pytest.fixture
def board(monkeypatch):
    t = FakeTarget(H735)
    t.opened = 0

    def fake_open(b, port, state_dir, baud):
        t.opened += 1
        t.closed = False
        return t
    monkeypatch.setattr(session, "_open", fake_open)
    return t


def _alarm(_sig, _frm):
    raise TimeoutError("the case hung")


def flash(board, capsys, *specs):
    """Run `stm32boot flash` with a 10 s alarm; returns (rc, stderr, what the board got)."""
    board.erased, board.written, board.opened = [], [], 0
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        rc = main(["flash", "--no-reset", *specs])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    out = capsys.readouterr()
    return rc, out.err


def refused(board, rc, err, needle=""):
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, err
    assert len(lines) == 1 and lines[0].startswith("stm32boot: error: "), err
    assert "Traceback" not in err
    assert needle in err, err
    assert board.opened == 0 and board.erased == [] and board.written == []


def holds(board, addr, data):
    return board.peek(addr, len(data)) == data


def app_bytes(n=600, seed=1):
    rng = random.Random(seed)
    vectors = (0x2405_0000).to_bytes(4, "little") + (APP + 0x201).to_bytes(4, "little")
    return vectors + bytes(rng.randrange(256) for _ in range(n - 8))


def hex_text(chunks):
    ih = IntelHex()
    for addr, data in chunks:
        ih.puts(addr, data)
    import io
    s = io.StringIO()
    ih.write_hex_file(s)
    return s.getvalue().encode()


def hex_valid(raw: bytes) -> bool:
    """An independent oracle: every line a well-formed record with a good checksum, EOF last."""
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines or lines[-1].rstrip(b"\r") != b":00000001FF":
        return False
    for ln in lines:
        ln = ln.rstrip(b"\r")
        if not HEX_LINE.match(ln):
            return False
        rec = bytes.fromhex(ln[1:].decode())
        if len(rec) != rec[0] + 5 or sum(rec) & 0xFF or rec[3] > 5:
            return False
    return True


# --- Intel HEX --------------------------------------------------------------------------------

def test_hex_cut_at_every_record_boundary_is_refused(board, tmp_path, capsys):
    app = app_bytes()
    raw = hex_text([(APP, app), (NOR, bytes(range(256)))])
    lines = raw.splitlines(keepends=True)
    assert len(lines) > 40
    f = tmp_path / "t.hex"
    tried = 0
    for k in range(1, len(lines)):          # `head -n k demo.hex > t.hex`: no EOF record
        f.write_bytes(b"".join(lines[:k]))
        rc, err = flash(board, capsys, str(f))
        refused(board, rc, err, "no end-of-file record")
        tried += 1
    f.write_bytes(raw)
    rc, err = flash(board, capsys, str(f))
    assert rc == 0 and holds(board, APP, app) and holds(board, NOR, bytes(range(256)))
    assert tried == len(lines) - 1


def test_hex_mutations_flash_only_valid_files(board, tmp_path, capsys):
    app = app_bytes()
    raw = hex_text([(APP, app), (NOR, bytes(range(64)))])
    rng = random.Random(15)
    f = tmp_path / "m.hex"
    cases = []
    for _ in range(150):                      # byte-level truncations (inside a record too)
        cases.append(raw[:rng.randrange(len(raw))])
    for _ in range(150):                      # one byte replaced by anything
        b = bytearray(raw)
        b[rng.randrange(len(b))] = rng.randrange(256)
        cases.append(bytes(b))
    for _ in range(100):                      # a hex digit changed: the checksum no longer fits
        b = bytearray(raw)
        while True:
            i = rng.randrange(len(b))
            if chr(b[i]) in "0123456789ABCDEF":
                break
        b[i] = ord(rng.choice([c for c in "0123456789ABCDEF" if c != chr(b[i])]))
        cases.append(bytes(b))
    cases.append(raw.replace(b":00000001FF\n", b""))                 # missing EOF
    cases.append(raw + b":0400000508020201EA\n")                      # a record after EOF
    cases.append(raw.replace(b"\n", b"\r\n"))                         # CRLF: valid
    accepted = 0
    for c in cases:
        f.write_bytes(c)
        rc, err = flash(board, capsys, str(f))
        if hex_valid(c):
            assert rc == 0, err
            accepted += 1
        else:
            refused(board, rc, err)
    assert accepted >= 1


# --- ELF --------------------------------------------------------------------------------------

def test_elf_mutations_never_flash_a_partial_image(board, tmp_path, capsys):
    app, table = app_bytes(), bytes((i * 7) & 0xFF for i in range(4096))
    raw = make_elf([(APP, app), (NOR, table)])
    f = tmp_path / "m.elf"
    rng = random.Random(7)
    for k in list(range(0, len(raw), max(1, len(raw) // 200))):    # truncations
        f.write_bytes(raw[:k])
        rc, err = flash(board, capsys, str(f))
        if rc == 0:   # only cuts that keep every loaded byte may pass, and then flash all of it
            assert holds(board, APP, app) and holds(board, NOR, table)
        else:
            refused(board, rc, err)
    for _ in range(300):                                               # byte flips anywhere
        b = bytearray(raw)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        f.write_bytes(bytes(b))
        rc, err = flash(board, capsys, str(f))
        assert rc in (0, 2) and "Traceback" not in err
        if rc == 2:
            refused(board, rc, err)


def test_elf_with_a_huge_segment_is_refused_before_reading(board, tmp_path, capsys):
    raw = bytearray(make_elf([(NOR, b"\x01" * 16)]))
    # p_filesz of the one PT_LOAD (program header at e_phoff, field at +16) claims 3 GB
    phoff = int.from_bytes(raw[28:32], "little")
    raw[phoff + 16:phoff + 20] = (3 << 30).to_bytes(4, "little")
    f = tmp_path / "huge.elf"
    f.write_bytes(bytes(raw))
    rc, err = flash(board, capsys, str(f))
    refused(board, rc, err, "huge.elf")


# --- raw binaries -------------------------------------------------------------------------------

@pytest.mark.parametrize("head", [b":10000000", b"\x7fELF\x01\x01\x01\x00", b"\x00\x01"])
def test_at_address_means_raw_binary_whatever_the_bytes(board, tmp_path, capsys, head):
    data = head + bytes(range(200))
    f = tmp_path / "x.bin"
    f.write_bytes(data)
    rc, err = flash(board, capsys, f"{f}@0x{NOR:08X}")
    assert rc == 0, err
    assert holds(board, NOR, data)


@pytest.mark.parametrize("addr,needle", [("-1", "outside the 32-bit address space"),
                                         ("0x100000000", "outside the 32-bit address space"),
                                         ("0xFFFFFFF0", "run past the 32-bit address space"),
                                         ("banana", "cannot read 'banana' as a base address")])
def test_bad_base_addresses_are_one_line(board, tmp_path, capsys, addr, needle):
    f = tmp_path / "x.bin"
    f.write_bytes(b"\x01" * 64)
    rc, err = flash(board, capsys, f"{f}@{addr}")
    refused(board, rc, err, needle)
    assert "0x-" not in err


def test_overlapping_files_with_different_bytes_are_refused(board, tmp_path, capsys):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"\x01" * 256)
    b.write_bytes(b"\x01" * 100 + b"\x02" + b"\x01" * 155)
    rc, err = flash(board, capsys, f"{a}@0x{NOR:08X}", f"{b}@0x{NOR + 16:08X}")
    refused(board, rc, err, f"0x{NOR + 116:08X}")
    e = tmp_path / "o.elf"
    e.write_bytes(make_elf([(NOR, b"\x03" * 64)]))
    rc, err = flash(board, capsys, str(e), f"{a}@0x{NOR:08X}")
    refused(board, rc, err, "overlap")


# --- huge and non-regular inputs -----------------------------------------------------------------

def test_sparse_8_gb_file_is_refused_without_reading_it(board, tmp_path, capsys):
    f = tmp_path / "big.bin"
    with open(f, "wb") as fh:
        fh.truncate(8 << 30)
    for spec in (f"{f}@0x{NOR:08X}", str(f)):
        rc, err = flash(board, capsys, spec)
        refused(board, rc, err, "larger than any memory of the board")
    h = tmp_path / "big.hex"
    with open(h, "wb") as fh:
        fh.write(b":00000001FF\n")
        fh.truncate(8 << 30)
    rc, err = flash(board, capsys, str(h))
    refused(board, rc, err, "larger than any memory")


def test_one_byte_more_than_the_nor_is_refused_exactly_the_nor_is_read(board, tmp_path, capsys):
    from stm32boot.image import load
    nor = H735.memory_at(NOR)
    f = tmp_path / "nor.bin"
    with open(f, "wb") as fh:
        fh.truncate(nor.size + 1)
    rc, err = flash(board, capsys, f"{f}@0x{NOR:08X}")
    from stm32boot.image import _fmt_size
    refused(board, rc, err, f"is {nor.size + 1} bytes, larger than any memory of the board ({_fmt_size(nor.size)})")
    with open(f, "r+b") as fh:
        fh.truncate(nor.size)
    assert load([f"{f}@0x{NOR:08X}"], H735).size == nor.size


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "directory", "dev_null_hex"])
def test_non_regular_files_are_refused_without_blocking(board, tmp_path, capsys, kind):
    if kind == "fifo":
        p = tmp_path / "pipe.hex"
        os.mkfifo(p)
        spec, needle = str(p), "is a FIFO"
    elif kind == "dev_zero":
        spec, needle = f"/dev/zero@0x{NOR:08X}", "is a device"
    elif kind == "directory":
        spec, needle = f"{tmp_path}@0x{NOR:08X}", "is a directory"
    else:
        spec, needle = "/dev/null", "is a device"
    done = threading.Event()
    rc, err = flash(board, capsys, spec)
    done.set()
    refused(board, rc, err, needle)


def test_truncated_hex_of_the_demo_leaves_the_simulated_board_unchanged(tmp_path):
    """Issue 15's report, on the simulated board: `head -n 10 demo.hex > t.hex; stm32boot flash t.hex`."""
    import subprocess
    from pty_board import ROOT, stm32boot
    elf = os.path.join(ROOT, "build", "firmware", "h735", "demo.elf")
    hexf, cut = tmp_path / "demo.hex", tmp_path / "t.hex"
    subprocess.run(["arm-none-eabi-objcopy", "-O", "ihex", elf, str(hexf)], check=True)
    cut.write_bytes(b"".join(hexf.read_bytes().splitlines(keepends=True)[:10]))
    state = str(tmp_path / "state")
    r = stm32boot("flash", "--state", state, "--no-reset", str(hexf))
    assert r.returncode == 0 and "verified by CRC" in r.stdout, r.stderr
    r = stm32boot("flash", "--state", state, str(cut))
    assert r.returncode == 2 and "no end-of-file record" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = stm32boot("verify", "--state", state, str(hexf))        # the application is intact
    assert r.returncode == 0, r.stderr
