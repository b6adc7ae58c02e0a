"""Issue 15, "nothing lost, ever": a simulated board that is non-volatile like silicon, power cuts at
any device operation, and the campaign: an application is valid only when its whole session completed.
The campaigns run on every board with an external NOR (parametrized from the registry).
STM32BOOT_POWERCUT_ALL=1 cuts at every operation (minutes); by default, on the H735, every erase, every 5th
program (every 32nd when every sector changes) and the last operation (the application record) are cut;
on the F746 the key operations (SAMPLE below), which keeps each board's part under a minute."""
import os
import random
import signal
import subprocess
import sys
import textwrap

import pytest

from stm32boot import boards
from stm32boot.image import Segment, merge
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.powercut import partial_erase_flash, partial_erase_nor, partial_program
from stm32boot.sim.state import SimState

import powercut_campaign as C

ALL = os.environ.get("STM32BOOT_POWERCUT_ALL") == "1"


# Every board with a simulated chip and an external NOR runs the campaigns. How many cuts each samples
# by default (STM32BOOT_POWERCUT_ALL=1: all): a flash session on the simulated F746 takes ~10 s of wall
# time today, so it cuts the key operations only (C.key_points) and the update's erase, middle and
# last word.
BOARDS = [n for n in boards.names() if boards.get(n).sim_chip and any(m.kind == "external_nor"
                                                                       for m in boards.get(n).memories)]
SAMPLE = {"h735": {"flash_every": 5, "update_every": 128}, "f746": {"flash_every": None, "update_every": None}}


@pytest.fixture(scope="module")
def board_base(request, tmp_path_factory):
    """(rig, state directory): the board with the bootloader and application 1 committed."""
    rig = C.Rig(request.param)
    assert os.path.exists(rig.bl), "run `doit firmware` first"
    d = tmp_path_factory.mktemp(f"pc-{request.param}") / "base"
    rig.make_base(d, rig.app_image(1, False)[0])
    return rig, d


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    assert os.path.exists(C.BL), "run `doit firmware` first"
    d = tmp_path_factory.mktemp("pc") / "base"
    old, _ = C.app_image(1, False)
    C.make_base(d, old)
    return d


# ---- the models ------------------------------------------------------------------------------------
def test_interrupted_program_clears_only_some_of_its_bits():
    rng = random.Random(1)
    old, target = bytes([0xFF] * 64), bytes(rng.getrandbits(8) for _ in range(64))
    left = partial_program(old, target, 0.5, rng)
    assert all(lb & t == t for lb, t in zip(left, target))          # never a bit the program would not clear
    assert left != old and left != target                          # part-way, as a cut leaves it


def test_interrupted_erases_leave_a_mix():
    rng = random.Random(2)
    old = bytes(rng.getrandbits(8) for _ in range(4096))
    for fn in (partial_erase_flash, partial_erase_nor):
        for frac in (0.1, 0.6):
            left = fn(old, b"\xff" * 4096, frac, rng)
            assert left != old and left != b"\xff" * 4096


# ---- durability of the state directory ---------------------------------------------------------------
def test_a_completed_operation_survives_sigkill_and_a_torn_record_is_dropped(tmp_path):
    code = textwrap.dedent(f"""
        import os, signal
        from stm32boot.sim.state import SimState
        st = SimState.open("h735", {str(tmp_path)!r})
        nor = st.blob("nor", 64 << 20, sparse=True)
        nor[0x1000:0x1100] = bytes(range(256)); st.wrote("nor", 0x1000, 256)
        nor[0x2000:0x3000] = b"\\x00" * 4096; st.wrote("nor", 0x2000, 4096)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    r = subprocess.run([sys.executable, "-c", code])
    assert r.returncode == -signal.SIGKILL
    journal = [f for f in os.listdir(tmp_path) if f.startswith("journal.")]
    assert len(journal) == 1
    with open(tmp_path / journal[0], "ab") as f:
        f.write(b"\x40\x00\x00\x00\x00\x03")                         # a record torn by a kill mid-write
    st = SimState.open("h735", str(tmp_path))
    nor = st.blob("nor", 64 << 20, sparse=True)
    assert nor[0x1000:0x1100] == bytes(range(256)) and nor[0x2000:0x3000] == b"\x00" * 4096
    assert nor[0x3000] == 0xFF
    st.close()
    st = SimState.open("h735", str(tmp_path))                        # the torn tail was cut back once
    assert st.blob("nor", 64 << 20, sparse=True)[0x1000:0x1100] == bytes(range(256))
    st.save()
    st.close()


def test_blank_start_never_deletes_files_of_a_directory_that_is_not_a_state(tmp_path):
    from stm32boot.sim.state import StateError
    (tmp_path / "firmware.bin").write_bytes(b"precious")
    with pytest.raises(StateError, match="not a simulator state directory"):
        SimState.open("h735", str(tmp_path), blank=True)
    assert (tmp_path / "firmware.bin").read_bytes() == b"precious"


@pytest.mark.parametrize("board_base", BOARDS, indirect=True)
def test_board_killed_after_verified_comes_back_with_the_new_image(board_base, tmp_path):
    """The issue's report: a simulator killed after "verified by CRC" came back with the old image."""
    rig, base = board_base
    work = tmp_path / "w"
    import shutil
    shutil.copytree(base, work)
    code = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        import powercut_campaign as C
        rig = C.Rig({rig.board.name!r})
        m = rig.build({str(work)!r})
        new, _ = rig.app_image(2, True)
        rig.flash(m, new)
        print("verified", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == -signal.SIGKILL and "verified" in r.stdout, r.stderr
    new, imm = rig.app_image(2, True)
    m = rig.build(work)
    try:
        assert rig.holds(m, new)
        assert rig.boot_alone(m) == imm                             # committed, so it starts
    finally:
        m.close()


# ---- the campaigns -----------------------------------------------------------------------------------
def _campaign(rig, base, tmp_path, new_tag, change_first, every):
    old, old_imm = rig.app_image(1, False)
    new, new_imm = rig.app_image(new_tag, change_first)
    ops = rig.count_ops(base, tmp_path / "dry", new)
    assert ops[0][:2] == ("nor", "erase") and ops[-1][:2] == ("nor", "program")   # record first and last
    pts = range(1, len(ops) + 1) if ALL else C.cut_points(ops, every) if every else C.key_points(ops)
    tried = [rig.one_cut(base, tmp_path / "w", k, old, new, new_imm, old_imm, seed=k) for k in pts]
    assert all(tried), "every cut point lies inside the session"
    print(f"\n{rig.board.name} power-cut campaign: {len(tried)} of {len(ops)} operations cut "
          f"({sum(1 for o in ops if o[1] == 'erase')} erases): " + ", ".join(f"{m} {k}" for m, k, _, _ in tried)
          + "; all passed")
    return tried, ops


@pytest.mark.parametrize("board_base", BOARDS, indirect=True)
def test_power_cut_during_a_flash_that_leaves_the_first_sector_unchanged(board_base, tmp_path):
    """The issue's case: only the data sector and the NOR change; the old app must never start over them."""
    rig, base = board_base
    every = SAMPLE[rig.board.name]["flash_every"]
    tried, ops = _campaign(rig, base, tmp_path, 2, False, every=every)
    if ALL or every:
        assert len(tried) >= (len(ops) if ALL else len(ops) // every)
    else:   # the key operations: the record's erase and program, an internal flash erase, a NOR program
        assert [(m, k) for m, k, _, _ in tried] == [("nor", "erase"), ("flash", "erase"), ("nor", "program"),
                                                    ("nor", "program")]


def _block_image(rig, tag):
    """The campaign's application with 40 KB in the NOR: 10 of its first block's 16 sectors, the others
    blank on the board, so the plan erases that block with one block command (issue 17)."""
    img, imm = rig.app_image(tag, False)
    segs = [Segment(a, bytes(d), "app") for a, d in img.chunks if a < rig.nor]
    return merge(segs + [Segment(rig.nor, bytes((i * 11 + 5 * tag) & 0xFF for i in range(40 * 1024)), "app")]), imm


@pytest.mark.parametrize("board_base", ["h735"], indirect=True)
def test_power_cut_during_the_block_erase_of_a_partly_covered_block(board_base, tmp_path):
    """Cuts in the one block erase that also clears the block's blank sectors, in the first and last NOR
    program after it and in the record's program: the old application never starts over a mix, and a
    reflash completes (it finds the tail of the block still blank and erases it whole again)."""
    rig, base = board_base
    old, old_imm = rig.app_image(1, False)
    new, new_imm = _block_image(rig, 2)
    ops = rig.count_ops(base, tmp_path / "dry", new)
    block = [i + 1 for i, o in enumerate(ops) if o[:2] == ("nor", "erase") and o[2] == 0]
    assert [ops[k - 1][3] for k in block] == [64 * 1024]             # one command for block 0, no sector one
    progs = [i + 1 for i, o in enumerate(ops[:-1]) if o[:2] == ("nor", "program") and i + 1 > block[0]]
    pts = [block[0], progs[0], progs[-1], len(ops)]
    tried = [rig.one_cut(base, tmp_path / "w", k, old, new, new_imm, old_imm, seed=k) for k in pts]
    assert all(tried) and tried[0][:2] == ("nor", "erase")


def test_power_cut_during_a_flash_that_changes_every_sector(base, tmp_path):
    tried, ops = _campaign(C.H735, base, tmp_path, 3, True, every=32)
    assert len(tried) >= (len(ops) if ALL else len(ops) // 32)


@pytest.mark.parametrize("board_base", BOARDS, indirect=True)
def test_power_cut_during_bootloader_self_update(board_base, tmp_path):
    """`doit flash-loader`: a cut anywhere leaves the application and its record intact, and the README's
    recovery (a probe writes bootloader.bin) brings the board back with its application. The updater
    programs the first 32 bytes (initial stack pointer, reset vector) last, so a cut while the rest of
    sector 0 programs leaves them erased and the board never runs half a bootloader; a cut in the erase
    or in those last words leaves them undefined."""
    rig, base = board_base
    blob = open(rig.bl_bin, "rb").read()
    old, old_imm = rig.app_image(1, False)
    ops = rig.count_update_ops(base, tmp_path / "dry", blob)
    total = len(ops)
    assert ops[0][:3] == ("flash", "erase", 0) and all(o[:2] == ("flash", "program") for o in ops[1:])
    assert sum(o[3] for o in ops[1:]) >= len(blob.rstrip(b"\xff"))    # every word of the image, once
    vectors_last = ops[-1][2] == 0
    vec_ops = next(i for i, o in enumerate(reversed(ops)) if o[2] >= 32)   # the last ops: the first 32 bytes
    every = SAMPLE[rig.board.name]["update_every"]
    pts = (range(1, total + 1) if ALL else sorted({1, 2, total - 1, total, *range(2, total, every)}) if every
           else [1, total // 2, total])
    states = {k: rig.one_update_cut(base, tmp_path / "u", k, old, old_imm, blob, seed=k) for k in pts}
    assert all(states.values()), f"the update has {total} operations"
    for k, (op, state) in states.items():
        assert op[1] == ("erase" if k == 1 else "program")
        if vectors_last and 1 < k <= total - vec_ops:
            assert state == "vectors erased", (k, op, state)
    assert vectors_last, "the updater must program the vector table last"
    print(f"\n{rig.board.name} bootloader update: "
          f"{len(states)} of {total} operations cut, all recovered; at power-up: "
          + ", ".join(f"{s}: {sum(1 for _, x in states.values() if x == s)}"
                      for s in sorted({x for _, x in states.values()})))


def test_readme_recovery_after_a_cut_in_the_bootloader_erase(base, tmp_path):
    """README "Recovery" step 3, as a user types it: the simulated probe equivalent brings the board back
    after the worst cut (sector 0 half erased), and the application starts without a reflash."""
    from stm32boot.cli import main
    import shutil
    work = tmp_path / "r"
    shutil.copytree(base, work)
    m, pc = C.open_board(work, at=1, seed=11)
    with pytest.raises(C.PowerLost):
        C.connect(m).update_bootloader(open(C.BL_BIN, "rb").read())
    m.state.close()
    assert pc.ops[0][:2] == ("flash", "erase")
    assert main(["sim", "h735", "--elf", C.BL, "--uart", "none", "--timeout", "1", "--state", str(work)]) == 0
    m = sim_build("h735", state_dir=str(work), warn=lambda *a: None)
    try:
        assert C.boot_alone(m) == C.app_image(1, False)[1]
    finally:
        m.close()


def test_a_state_directory_of_the_previous_format_is_read_and_upgraded(tmp_path):
    import json
    import zlib
    flash = bytearray(b"\xff" * (1 << 20))
    flash[0x20000:0x20004] = b"\x01\x02\x03\x04"
    (tmp_path / "flash.bin").write_bytes(flash)
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"board": "h735", "format": 1, "values": {},
         "blobs": {"flash": {"file": "flash.bin", "size": 1 << 20, "sparse": False, "crc32": zlib.crc32(flash)}}}))
    st = SimState.open("h735", str(tmp_path))
    assert st.blob("flash", 1 << 20)[0x20000:0x20004] == b"\x01\x02\x03\x04"
    st.close()
    assert json.loads((tmp_path / "manifest.json").read_text())["format"] == 2
    st = SimState.open("h735", str(tmp_path))
    assert st.blob("flash", 1 << 20)[0x20000:0x20004] == b"\x01\x02\x03\x04"
    st.close()


def test_a_kill_inside_the_fold_leaves_the_previous_generation(tmp_path, monkeypatch):
    st = SimState.open("h735", str(tmp_path))
    nor = st.blob("nor", 64 << 20, sparse=True)
    nor[0:256] = bytes(range(256))
    st.wrote("nor", 0, 256)

    def killed(self, blobs):                      # new base files written, manifest not yet replaced
        raise KeyboardInterrupt
    monkeypatch.setattr(SimState, "_new_generation", killed)
    with pytest.raises(KeyboardInterrupt):
        st.save()
    st.close()
    monkeypatch.undo()
    assert any(f.startswith("nor.") for f in os.listdir(tmp_path))   # the orphan of the unfinished fold
    st = SimState.open("h735", str(tmp_path))
    assert st.blob("nor", 64 << 20, sparse=True)[0:256] == bytes(range(256))
    assert not any(f.startswith("nor.") for f in os.listdir(tmp_path)), "orphans are removed"
    st.save()
    st.close()
    st = SimState.open("h735", str(tmp_path))
    assert st.blob("nor", 64 << 20, sparse=True)[0:256] == bytes(range(256))
    st.close()


def test_after_an_incomplete_session_internal_flash_is_rewritten_unread():
    """H7 flash words cut mid-program have a bad ECC and reading them is a bus error: when HELLO says
    the application is not committed, the host never asks for a CRC of internal flash before rewriting
    it (the NOR, without ECC, is still compared and skipped when unchanged)."""
    from stm32boot import plan as planmod
    from uploader_fake import FakeTarget
    img, _ = C.app_image(2, False)
    t = FakeTarget(C.BOARD)
    for a, d in img.chunks:
        t.poke(a, bytes(d))
    t.record = None                                   # the session that wrote them did not commit
    asked = []
    crc = t.crc
    t.crc = lambda ranges: (asked.append((len(t.erased), list(ranges))), crc(ranges))[1]
    p = planmod.build(img, C.BOARD)
    res = planmod.execute(p, t)
    before = [a for n_erased, rs in asked if n_erased == 0 for a, _ in rs]
    assert before and not [a for a in before if a < C.NOR], "internal flash read before its rewrite"
    assert res.erased == 2 and res.skipped == 2       # two internal sectors rewritten, NOR skipped
    assert t.record is not None and all(t.peek(a, len(d)) == bytes(d) for a, d in img.chunks)


def test_interrupted_session_never_starts_the_old_application_over_a_half_written_nor(base, tmp_path):
    """The issue's report: the new image leaves the first sector unchanged, the session stops (the host
    is killed) after part of the NOR was written; at the next reset the old code must not start."""
    import shutil
    from stm32boot import plan as planmod
    work = tmp_path / "i"
    shutil.copytree(base, work)
    old, old_imm = C.app_image(1, False)
    new, _ = C.app_image(2, False)
    m = sim_build("h735", state_dir=str(work), warn=lambda *a: None)
    try:
        tg = C.connect(m)
        p = planmod.build(new, C.BOARD)

        def stop(done):
            if done >= 4096:
                raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt):
            planmod.execute(p, tg, progress=stop)
        assert not C.holds(m, old) and not C.holds(m, new)        # a mix is on the board...
    finally:
        m.close()
    m = sim_build("h735", state_dir=str(work), warn=lambda *a: None)
    try:
        assert C.boot_alone(m) is None                              # ...and nothing starts on it
        m.reset()
        assert C.connect(m).info().app_committed is False
    finally:
        m.close()
