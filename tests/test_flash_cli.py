"""The uploader's commands as a user runs them (`stm32boot flash/verify/erase/read/info/reset/
update-bootloader`), against a FakeTarget standing in for the board: messages, exit codes, and that
every error leaves the board untouched."""
import dataclasses

import pytest

from stm32boot import boards, session
from stm32boot.cli import main
from uploader_fake import FakeTarget, make_elf

H735 = boards.get("h735")
NOR, FLASH = H735.memory("nor").base, H735.memory("flash").base
APP = FLASH + H735.bootloader_size


class DeadPort(OSError):
    pass


@pytest.fixture
def board(monkeypatch):
    """One fake board kept across commands (like the simulated board's state directory)."""
    t = FakeTarget(H735)
    opened = []

    def fake_open(b, port, state_dir, baud):
        if port == "/dev/nothing":
            raise DeadPort("no response from /dev/nothing: likely causes: wrong port, board not in "
                           "the bootloader (press reset), another program holds the port")
        opened.append((b.name, port, state_dir, baud))
        t.closed = False
        return t
    monkeypatch.setattr(session, "_open", fake_open)
    t.opened = opened
    return t


def demo_elf(tmp_path, table=None, name="demo.elf"):
    vectors = (0x2405_0000).to_bytes(4, "little") + (APP + 0x201).to_bytes(4, "little")
    table = table if table is not None else bytes((i * 3) & 0xFF for i in range(8192))
    p = tmp_path / name
    p.write_bytes(make_elf([(APP, vectors + b"\x00\xBF" * 300), (NOR, table)]))
    return str(p)


def untouched(t):
    return t.erased == [] and t.written == []


def test_flash_writes_verifies_resets_and_shows_banner(board, tmp_path, capsys):
    elf = demo_elf(tmp_path)
    assert main(["flash", elf]) == 0
    out, err = capsys.readouterr()
    assert "stm32boot demo 1.0 NOR table CRC 0x12345678" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("flash: ") and "verified by CRC" in last and "3 sector(s) erased" in last
    assert "s on the simulated board's clock" in last and "MB/s" in last
    assert "writing: 100%" in err                         # plain progress lines: not a terminal
    assert board.resets == [True] and board.closed
    assert board.opened[-1] == ("h735", None, None, None)


def test_second_flash_says_nothing_rewritten_then_one_nor_byte(board, tmp_path, capsys):
    main(["flash", demo_elf(tmp_path)])
    board.erased.clear(), board.written.clear()
    capsys.readouterr()
    assert main(["flash", demo_elf(tmp_path)]) == 0
    assert untouched(board)
    assert "nothing to write, all 3 sector(s) already hold the image" in capsys.readouterr().out
    table = bytearray((i * 3) & 0xFF for i in range(8192))
    table[5000] ^= 1
    assert main(["flash", demo_elf(tmp_path, bytes(table))]) == 0
    assert board.erased == [NOR + 4096]
    assert "1 sector(s) erased, 2 skipped unchanged" in capsys.readouterr().out


def test_dry_run_prints_plan_and_touches_nothing(board, tmp_path, capsys):
    assert main(["flash", "--dry-run", demo_elf(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"flash @ 0x{FLASH:08X}:" in out and f"nor @ 0x{NOR:08X}:" in out
    assert f"erase: 0x{NOR:08X}..0x{NOR + 0x1FFF:08X} (2 sectors)" in out and "dry run: nothing written" in out
    assert untouched(board) and board.resets == []


def test_no_reset_stays_in_bootloader(board, tmp_path, capsys):
    assert main(["flash", "--no-reset", demo_elf(tmp_path)]) == 0
    assert board.resets == []
    assert "application says" not in capsys.readouterr().out


@pytest.mark.parametrize("make,needle", [
    (lambda tmp: _file(tmp, "ram.elf", make_elf([(0x2400_0000, b"\x01" * 8)])), "outside the h735 board's writable memories"),
    (lambda tmp: _file(tmp, "boot.elf", make_elf([(FLASH, b"\x01" * 8)])), f"would overwrite the bootloader at 0x{FLASH:08X}"),
    (lambda tmp: _file(tmp, "bad.hex", b":10000000GARBAGE\n"), "bad.hex: line 1: malformed Intel HEX"),
    (lambda tmp: _file(tmp, "bad.elf", b"\x7fELF\x01\x01\x01" + b"\x00" * 5), "bad.elf: malformed ELF"),
])
def test_bad_images_are_one_line_errors_and_board_untouched(board, tmp_path, capsys, make, needle):
    good = demo_elf(tmp_path)
    assert main(["flash", good, make(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("stm32boot: error: ") and needle in err and err.count("\n") == 1
    assert untouched(board) and board.opened == []     # refused before the board was even opened


def _file(tmp, name, raw):
    p = tmp / name
    p.write_bytes(raw)
    return str(p)


def test_dead_port_is_a_clear_error(board, tmp_path, capsys):
    assert main(["flash", "--port", "/dev/nothing", demo_elf(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no response from /dev/nothing" in err and "wrong port" in err


def test_wrong_board_names_both_and_touches_nothing(board, tmp_path, capsys):
    board.board_name, board.chip_id = "f746", 0x10016449
    assert main(["flash", demo_elf(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "wrong board" in err and "'f746'" in err and "0x449" in err and "h735" in err and "0x483" in err
    assert untouched(board)


def test_unknown_board_name(board, tmp_path, capsys):
    assert main(["info", "--board", "nope"]) == 2
    assert "unknown board 'nope' (known boards: f746, h735)" in capsys.readouterr().err


def test_verify_passes_then_catches_a_changed_byte(board, tmp_path, capsys):
    elf = demo_elf(tmp_path)
    main(["flash", elf])
    capsys.readouterr()
    assert main(["verify", elf]) == 0
    assert "match the board" in capsys.readouterr().out
    board.poke(NOR + 100, b"\x00")
    assert main(["verify", elf]) == 2
    err = capsys.readouterr().err
    assert "verify failed" in err and f"0x{NOR:08X}" in err and "demo.elf" in err


def test_erase_ranges_skips_blank_sectors_and_refuses_bootloader(board, tmp_path, capsys):
    main(["flash", demo_elf(tmp_path)])
    board.erased.clear()
    capsys.readouterr()
    assert main(["erase", f"0x{NOR:08X}:12K"]) == 0        # 3 sectors, the third already blank
    assert board.erased == [NOR, NOR + 4096]
    assert "2 sector(s) erased, 1 already blank" in capsys.readouterr().out
    assert board.peek(NOR, 8192) == b"\xFF" * 8192
    assert main(["erase", f"0x{APP - 1:08X}:2"]) == 2
    assert "overlaps the bootloader" in capsys.readouterr().err
    assert main(["erase", "0x24000000"]) == 2
    assert "not inside one writable memory" in capsys.readouterr().err
    assert main(["erase"]) == 2 and "either --all" in capsys.readouterr().err


def test_erase_all_spares_the_bootloader(board, tmp_path, capsys):
    main(["flash", demo_elf(tmp_path)])
    board.poke(FLASH, b"BOOT")
    board.erased.clear()
    assert main(["erase", "--all"]) == 0
    assert board.erased[0] == APP and FLASH not in board.erased
    assert sorted(board.erased) == [APP, NOR, NOR + 4096]
    assert board.peek(FLASH, 4) == b"BOOT"


def test_read_to_file(board, tmp_path, capsys):
    main(["flash", demo_elf(tmp_path)])
    out = tmp_path / "nor.bin"
    assert main(["read", f"0x{NOR:08X}", "10000", "-o", str(out)]) == 0
    assert out.read_bytes() == bytes((i * 3) & 0xFF for i in range(8192)) + b"\xFF" * 1808
    assert main(["read", "0x94000000", "16", "-o", str(out)]) == 2
    capsys.readouterr()
    missing = tmp_path / "no-such-dir" / "nor.bin"
    assert main(["read", f"0x{NOR:08X}", "16", "-o", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: cannot write" in err and "Traceback" not in err


def test_info_says_whether_the_application_will_start(board, tmp_path, capsys):
    assert main(["info"]) == 0
    assert "application: none, or its last flash did not complete" in capsys.readouterr().out
    assert main(["flash", demo_elf(tmp_path)]) == 0 and board.record is not None   # committed last
    capsys.readouterr()
    assert main(["info"]) == 0
    assert "application: complete" in capsys.readouterr().out
    assert main(["erase", f"0x{NOR:08X}:0x1000"]) == 0
    capsys.readouterr()
    assert main(["info"]) == 0
    assert "application: none" in capsys.readouterr().out


def test_info_and_reset(board, capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "chip id:    0x00000483" in out and "nor" in out and f"0x{NOR:08X}" in out
    assert main(["reset", "--bootloader"]) == 0 and board.resets == [False]
    assert main(["reset"]) == 0 and board.resets == [False, True]
    out = capsys.readouterr().out          # no committed application: the bootloader stays, and says so
    assert "holds no complete application" in out and "application started" not in out
    board.record = 0x1234                  # as a completed flash leaves it
    assert main(["reset"]) == 0 and board.resets == [False, True, True]
    out = capsys.readouterr().out
    assert "reset: application started" in out and "stm32boot demo" in out


def test_update_bootloader_says_plainly_when_unsupported(board, tmp_path, capsys):
    from stm32boot._protocol import lib
    ident = (lib.PROTO_IDENT_MAGIC0.to_bytes(4, "little") + lib.PROTO_IDENT_MAGIC1.to_bytes(4, "little") +
             lib.PROTO_VERSION.to_bytes(2, "little") + b"\x01\x01" + b"h735".ljust(16, b"\0"))
    bl = _file(tmp_path, "bootloader.elf", make_elf([(FLASH, b"\x00\x00\x05\x24" + b"\x01" * 60 + ident)]))
    assert main(["update-bootloader", bl]) == 2
    err = capsys.readouterr().err
    assert "does not support self-update yet" in err and "unchanged" in err
    assert untouched(board)
    app = demo_elf(tmp_path)
    assert main(["update-bootloader", app]) == 2
    assert "not a bootloader for h735" in capsys.readouterr().err


def test_bootloader_geometry_disagreeing_with_the_board_is_refused(board, tmp_path, capsys):
    real_info = board.info

    def info():
        i = real_info()
        nor = i.memories[1]
        i.memories = [i.memories[0], dataclasses.replace(nor, sectors=((nor.size // (64 << 10), 64 << 10),))]
        return i
    board.info = info
    assert main(["flash", demo_elf(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "the bootloader describes nor as" in err and f"sectors {H735.memory('nor').size // (64 << 10)} x 64 KB" in err \
        and "sectors 16383 x 4 KB" in err
    assert untouched(board)


def test_dry_run_without_a_board_still_prints_the_whole_plan(board, tmp_path, capsys):
    assert main(["flash", "--dry-run", "--port", "/dev/nothing", demo_elf(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "(target not compared)" in out and f"erase: 0x{NOR:08X}..0x{NOR + 0x1FFF:08X} (2 sectors)" in out
    assert "board not compared: no response from /dev/nothing" in out
