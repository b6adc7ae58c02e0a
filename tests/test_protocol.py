"""The wire protocol end to end: the host client (stm32boot.protocol/target) against the bootloader's
real C core compiled for the host (tests/protocol_link.py), including damaged links."""
import os
import random
import struct

import pytest

from stm32boot import protocol as P
from stm32boot._protocol import ffi, lib
from stm32boot.native import crc32
from stm32boot.target import Target
from stm32boot.transport import FaultyTransport

from stm32boot import boards

from protocol_link import F746_MEMS, H735_MEMS, CoreTransport, OlderBootloader, core_memories

H735 = boards.get("h735")
F746 = boards.get("f746").memory("flash")
KB = 1024
NOR, FLASH = H735.memory("nor").base, H735.memory("flash").base
APP = FLASH + H735.bootloader_size


def open_core(**kw):
    t = CoreTransport(**kw)
    tg = Target(t)
    tg.hello()
    return t, tg


def test_layouts_come_from_the_c_header():
    assert P.HDR.size == ffi.sizeof("struct proto_hdr") == lib.PROTO_HDR_SIZE == 10
    assert P.STATUS.size == ffi.sizeof("struct proto_status")
    assert ffi.offsetof("struct proto_hdr", "nlen") == 8
    assert ffi.offsetof("struct proto_info", "board") == 20
    assert P.MAX_PAYLOAD == lib.PROTO_MAX_PAYLOAD >= lib.PROTO_MAX_DATA + 4 >= 4096 + 4
    assert P.Cmd.WRITE == lib.CMD_WRITE and P.Status.PROTECTED_BOOTLOADER == lib.ST_PROTECTED_BOOTLOADER


def test_encode_decode_round_trip_and_crc_covers_header():
    f = P.encode(P.Cmd.WRITE, 0x1234, b"\x01\x02\x03", flags=3)
    assert f[:2] == bytes([lib.PROTO_SYNC0, lib.PROTO_SYNC1])
    assert struct.unpack_from("<I", f, len(f) - 4)[0] == crc32(f[:-4])
    (fr,) = P.Decoder().feed(f)
    assert (fr.cmd, fr.flags, fr.seq, fr.payload) == (P.Cmd.WRITE, 3, 0x1234, b"\x01\x02\x03")
    bad = bytearray(f)
    bad[4] ^= 1                      # the seq is covered by the CRC
    assert P.Decoder().feed(bytes(bad)) == []


def test_decoder_resyncs_after_garbage_and_fake_headers():
    good = [P.encode(P.Cmd.READ, i, bytes([i]) * i) for i in range(1, 6)]
    fake = bytes([lib.PROTO_SYNC0, lib.PROTO_SYNC1, 1, 0, 0, 0, 0xFF, 0x0F, 0, 0])  # len without ~len
    junk = os.urandom(300) + fake + good[0][:7]   # and a truncated frame
    stream = junk + good[0] + bytes([lib.PROTO_SYNC0]) + good[1] + fake + good[2] + good[3] + good[4]
    d = P.Decoder()
    got = []
    for i in range(0, len(stream), 7):            # in small pieces, as a serial port delivers
        got += d.feed(stream[i:i + 7])
    assert [g.seq for g in got] == [1, 2, 3, 4, 5]


def test_firmware_resyncs_after_garbage_before_hello():
    t = CoreTransport()
    fake = bytes([lib.PROTO_SYNC0, lib.PROTO_SYNC1, 1, 0, 0, 0, 0x00, 0x10, 0xFF, 0xEF])  # valid 4 KB header
    t.write(os.urandom(500) + fake + os.urandom(100))
    info = Target(t).hello()
    assert info.board == "h735" and info.window == 8   # the core's own pool (frame.h): the host port gives none
    assert [m.name for m in info.memories] == ["flash", "nor"]


def test_info_reports_versions_chip_and_geometry():
    _, tg = open_core()
    i = tg.info()
    assert i.protocol_version == lib.PROTO_VERSION and i.bootloader_version == "1.2"
    assert i.chip_id & 0xFFF == H735.dev_id and i.max_payload >= 4096
    # what the bootloader reports is the board description's memory, field by field
    assert [(m.name, m.kind, m.erased, m.geometry()) for m in i.memories] == \
        [(m.name, m.kind, m.erased, m.geometry()) for m in H735_MEMS]
    assert [m.protected_size for m in i.memories] == [H735.bootloader_size, 0]


def test_uneven_sectors_are_reported_and_only_their_starts_are_erased():
    """The F746's 4 x 32 KB, 1 x 128 KB, 3 x 256 KB (RM0385 §3.3.1) as its memory description says."""
    t = CoreTransport(mems=F746_MEMS)
    tg = Target(t)
    assert tg.hello().memories[0].sectors == ((4, 32 * KB), (1, 128 * KB), (3, 256 * KB)) == F746.sectors
    app = F746.base + 32 * KB
    for bad in (app + 16 * KB, F746.base + 5 * 128 * KB, F746.base + 4 * 32 * KB + 128 * KB + 128 * KB):
        with pytest.raises(P.TargetError, match=rf"ERASE failed at 0x{bad:08X} \(flash\): ALIGN"):
            tg.erase([bad])
    tg.write([(app, b"\x00" * 64)])
    tg.erase([app, F746.base + 4 * 32 * KB, F746.base + 4 * 32 * KB + 128 * KB])
    assert t.counters()["erases"] == 3 and t.mem(app, 64) == b"\xff" * 64


def write_and_check(t, tg, rng, n_nor=40_000, n_flash=20_000):
    nor = rng.randbytes(n_nor)
    fl = rng.randbytes(n_flash)
    tg.erase([NOR + k * 4096 for k in range((n_nor + 4095) // 4096)] + [APP])
    tg.write([(NOR, nor), (APP, fl)])
    assert t.mem(NOR, n_nor) == nor
    assert t.mem(APP, n_flash) == fl
    assert tg.crc([(NOR, n_nor), (APP, n_flash)]) == [crc32(nor), crc32(fl)]
    assert tg.read(NOR + 1000, n_nor - 1000) == nor[1000:]


def test_clean_link_writes_both_memories():
    t, tg = open_core()
    write_and_check(t, tg, random.Random(1))
    assert tg.link.retransmits == 0 and t.counters()["crc_errors"] == 0


@pytest.mark.parametrize("knobs", [
    # per-byte rates: 5e-5 damages about one 4 KB frame in five
    dict(drop=5e-5), dict(dup=5e-5), dict(corrupt=5e-5),
    dict(rx_drop=5e-5), dict(rx_dup=5e-5), dict(rx_corrupt=5e-5),
    dict(drop=2e-5, dup=2e-5, corrupt=2e-5, rx_drop=2e-5, rx_dup=2e-5, rx_corrupt=2e-5),
], ids=lambda k: ",".join(k))
def test_damaged_link_still_ends_in_the_right_contents(knobs):
    inner = CoreTransport()
    t = FaultyTransport(inner, seed=7, **knobs)
    tg = Target(t)
    tg.hello(within=5)
    write_and_check(inner, tg, random.Random(2))
    assert t.damaged > 0 and tg.link.retransmits > 0     # the faults really happened and were repaired


def test_stall_is_survived():
    inner = CoreTransport()
    t = FaultyTransport(inner, stall_after=20_000, stall_s=0.8)
    tg = Target(t)
    tg.hello()
    write_and_check(inner, tg, random.Random(3))
    assert tg.link.retransmits > 0


def test_dead_link_names_the_likely_causes():
    t = FaultyTransport(CoreTransport(), drop=1.0)
    with pytest.raises(P.NoResponse, match="wrong port.*not in the bootloader.*another program"):
        Target(t).hello()


def raw_call(t, cmd, seq, payload, flags=0):
    t.write(P.encode(cmd, seq, payload, flags))
    frames = P.Decoder().feed(t.read(1.0))
    assert len(frames) == 1
    return frames[0], P.parse_reply(frames[0])


def test_retransmitted_frame_is_never_applied_twice():
    t, tg = open_core()
    s = tg.link.seq
    f, r = raw_call(t, P.Cmd.ERASE, s, struct.pack("<I", NOR))
    assert r.status == P.Status.OK and not f.flags & P.FLAG_DUP
    data = bytes(range(256)) * 4
    f, r = raw_call(t, P.Cmd.WRITE, s + 1, struct.pack("<I", NOR) + data)
    assert r.status == P.Status.OK
    # The erase is retransmitted (its reply was "lost"): answered from the record, NOT erased again.
    f, r = raw_call(t, P.Cmd.ERASE, s, struct.pack("<I", NOR), flags=1)
    assert r.status == P.Status.OK and f.flags & P.FLAG_DUP and f.flags & P.TRY_MASK == 1
    assert t.mem(NOR, len(data)) == data
    # So is the write: programming again would be reported NOT_ERASED on internal flash; here DUP.
    f, r = raw_call(t, P.Cmd.WRITE, s + 1, struct.pack("<I", NOR) + data)
    assert r.status == P.Status.OK and f.flags & P.FLAG_DUP
    c = t.counters()
    assert (c["erases"], c["programs"]) == (1, 1)


def test_frame_after_a_gap_is_not_applied_and_names_the_expected_seq():
    t, tg = open_core()
    s = tg.link.seq
    f, r = raw_call(t, P.Cmd.ERASE, s + 1, struct.pack("<I", NOR))
    assert r.status == P.Status.SEQ_ERROR and r.detail == s
    assert t.counters()["erases"] == 0


def test_corrupt_frame_is_nacked_and_not_applied():
    t, tg = open_core()
    frame = bytearray(P.encode(P.Cmd.ERASE, tg.link.seq, struct.pack("<I", NOR)))
    frame[12] ^= 0x10
    t.write(bytes(frame))
    (f,) = P.Decoder().feed(t.read(1.0))
    assert P.parse_reply(f).status == P.Status.BAD_CRC
    assert t.counters()["erases"] == 0 and t.counters()["crc_errors"] == 1


def test_refusals_name_the_address_and_cause():
    t, tg = open_core()
    with pytest.raises(P.TargetError, match=rf"ERASE failed at 0x{FLASH:08X} \(flash\): PROTECTED_BOOTLOADER.*0x{APP:08X}"):
        tg.erase([FLASH])
    with pytest.raises(P.TargetError, match=rf"WRITE failed at 0x{APP - 32:08X} \(flash\): PROTECTED_BOOTLOADER"):
        tg.write([(APP - 32, b"\0" * 64)])      # straddles the bootloader's end
    outside = H735.memory("flash").end + 0x100_0000
    assert H735.memory_at(outside) is None
    with pytest.raises(P.TargetError, match=rf"0x{outside:08X}: ADDR_OUT_OF_RANGE"):
        tg.write([(outside, b"\0" * 32)])
    with pytest.raises(P.TargetError, match=rf"0x{NOR + 0x1001:08X} \(nor\): ALIGN"):
        tg.erase([NOR + 0x1001])
    with pytest.raises(P.TargetError, match=rf"0x{APP + 16:08X} \(flash\): ALIGN"):
        tg.write([(APP + 16, b"\0" * 32)])
    # nothing was touched, and the bootloader keeps going after every refusal
    assert t.mem(FLASH, 64) == b"\xff" * 64
    assert t.counters()["erases"] == 0
    assert tg.read(APP, 16) == b"\xff" * 16


def test_programming_unerased_flash_is_reported():
    t, tg = open_core()
    tg.erase([APP])
    tg.write([(APP, b"\x00" * 32)])
    with pytest.raises(P.TargetError, match=rf"0x{APP:08X} \(flash\): NOT_ERASED"):
        tg.write([(APP, b"\x00" * 32)])


def test_baud_moves_to_the_fastest_rate_and_falls_back():
    t, tg = open_core()
    assert tg.negotiate_baud() == 8_000_000 and t.counters()["baud"] == 8_000_000
    t, tg = open_core(broken_bauds={8_000_000})      # a USB bridge that cannot do 8 Mbaud
    assert tg.negotiate_baud() == 2_000_000
    assert t.counters()["baud"] == 2_000_000
    write_and_check(t, tg, random.Random(4), 5000, 4096)


def test_reset_reaches_the_port():
    t, tg = open_core()
    tg.reset(run_app=True)
    c = t.counters()
    assert c["resets"] == 1 and c["run_app"] == 1


def test_a_link_that_damages_every_large_frame_cuts_the_frames_down():
    """The board answers (small frames get through) but a 4 KB write almost never arrives intact:
    the frames in flight are cut down (after asking the board where it is) and the write completes."""
    inner = CoreTransport()
    t = FaultyTransport(inner, seed=5, corrupt=2e-3)   # a 4 KB frame survives with probability ~3e-4
    tg = Target(t)
    tg.hello(within=5)
    tg.erase([NOR])
    tg.write([(NOR, bytes(range(256)) * 16)])
    assert inner.mem(NOR, 4096) == bytes(range(256)) * 16
    assert tg.link.data_size < P.MAX_DATA


def test_application_is_valid_only_after_commit_and_any_change_invalidates_it():
    """core/apprec.h: erase or write (any memory) clears the record before acting; COMMIT writes it."""
    t, tg = open_core()
    assert not lib.hp_app_committed()              # a blank board has no application
    tg.commit(0x1234)
    assert lib.hp_app_committed()
    tg.write([(NOR, b"\x11" * 256)])               # only the NOR changes: the app is no longer valid
    assert not lib.hp_app_committed()
    tg.commit(0x5678)
    assert lib.hp_app_committed()
    tg.crc([(NOR, 256)]); tg.read(NOR, 16)          # reads change nothing
    assert lib.hp_app_committed()
    tg.erase([APP])
    assert not lib.hp_app_committed()
    assert tg.hello().app_committed is False        # a new session does not bring it back (HELLO says so)
    assert not lib.hp_app_committed()
    tg.commit(1)
    assert lib.hp_app_committed() and tg.hello().app_committed is True


def test_refused_change_leaves_the_application_valid():
    t, tg = open_core()
    tg.commit(7)
    with pytest.raises(P.TargetError, match="PROTECTED_BOOTLOADER"):
        tg.erase([FLASH])
    assert lib.hp_app_committed()


@pytest.mark.parametrize("version", [1, 2])
def test_an_older_bootloader_is_told_how_to_update_and_can_be_updated(version):
    """A protocol 1-2 bootloader (its HELLO answer as it sent it, one sector size per memory, protocol.h)
    is read and updated but never changed: it cannot describe uneven sectors, and a protocol-1 one would
    start an application whose session never completed. One line says how to update it."""
    inner = CoreTransport(mems=F746_MEMS, board="f746")
    t = OlderBootloader(inner, F746_MEMS, version)
    tg = Target(t)
    i = tg.hello()
    assert i.protocol_version == version and i.app_committed is (None if version == 1 else False)
    fl = i.memories[0]
    assert (fl.name, fl.base, fl.size, fl.sectors) == ("flash", F746.base, F746.size, ((F746.size // (32 * KB), 32 * KB),))
    nor = F746_MEMS[1].base
    lib.hp_mem(1)[0] = 0x5A
    with pytest.raises(P.ProtocolError, match=rf"protocol {version}\) predates protocol {lib.PROTO_VERSION}; nothing "
                                              rf"was changed. Update it first: `doit flash-loader board=f746`"):
        tg.write([(nor, b"\x11" * 256)])
    with pytest.raises(P.ProtocolError, match=rf"predates protocol {lib.PROTO_VERSION}"):
        tg.erase([F746.base + 4 * 32 * KB])
    assert lib.hp_mem(1)[0] == 0x5A                               # untouched
    assert tg.crc([(nor, 4)]) == [crc32(bytes(ffi.buffer(lib.hp_mem(1), 4)))]
    # ... and it takes a new bootloader: STAGE + UPDATE_BL, then the new one answers (here: the same core)
    blob = bytes(range(256)) * 16
    tg.update_bootloader(blob)
    assert bytes(ffi.buffer(lib.hp_mem(0), len(blob))) == blob
    assert P.Cmd.MEMORY not in t.sent and tg.info().protocol_version == version




def test_every_status_and_memory_kind_has_one_name_from_the_header():
    """Statuses and memory kinds come from protocol.h; every status a user can meet is explained in one
    line naming the memory, the cause and the status register; the board descriptions use the header's
    kind names."""
    assert set(P.KINDS.values()) == {"internal", "external_nor"}
    assert {m.kind for name in boards.names() for m in boards.get(name).memories} <= set(P.KINDS.values())
    for st in P.Status:
        if st == P.Status.OK:
            continue
        msg = str(P.TargetError(P.Cmd.ERASE, st, 0x9000_1000, 0x83, memory="nor"))
        assert "\n" not in msg and msg.startswith(f"ERASE failed at 0x90001000 (nor): {st.name}: ")
        assert len(msg.split(": ", 2)[2]) > 20, msg           # words, not just the name
    assert "status register 0x00000083" in str(P.TargetError(P.Cmd.WRITE, P.Status.WRITE_PROTECTED, 0, 0x83))
    old = str(P.TargetError(P.Cmd.CRC, lib.PROTO_ST_V2_FIRST, 0, 0x20))
    assert "protocol 1-2" in old and "doit flash-loader" in old


def test_the_cli_updates_an_older_f746_bootloader_and_refuses_to_flash_through_it(monkeypatch, capsys):
    """`stm32boot update-bootloader --board f746` against a protocol-2 bootloader (which reported 32 KB
    sectors): the board is updated; `flash` through it changes nothing and names the command that updates it."""
    from stm32boot import session
    from stm32boot.cli import main
    bl = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build", "firmware", "f746",
                      "bootloader.elf")
    demo = os.path.join(os.path.dirname(bl), "demo.elf")
    assert os.path.exists(bl) and os.path.exists(demo), "run `doit firmware` first"
    f746 = boards.get("f746")
    mems = core_memories(f746, nor_bytes=f746.memory("nor").size)   # the whole NOR: sizes must agree
    inner = CoreTransport(mems=mems, board="f746")

    def fake_open(board, port, state_dir, baud, wait=None):
        tg = Target(OlderBootloader(inner, mems, 2))
        tg.hello()
        return tg
    monkeypatch.setattr(session, "_open", fake_open)
    before = bytes(ffi.buffer(lib.hp_mem(1), 64))
    assert main(["flash", demo, "--board", "f746", "--port", "fake"]) == 2
    err = capsys.readouterr().err
    assert "protocol 2) predates protocol 3; nothing was changed. Update it first: `doit flash-loader board=f746`" in err
    assert bytes(ffi.buffer(lib.hp_mem(1), 64)) == before
    assert main(["update-bootloader", bl, "--board", "f746", "--port", "fake"]) == 0, capsys.readouterr().err
    assert "verified by the bootloader" in capsys.readouterr().out
