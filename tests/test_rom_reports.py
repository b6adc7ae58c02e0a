"""The three user reports, reproduced on the ROM bootloader models and run through the commands users
know (`stm32boot ... --via rom`), in process: the F767 with its real sector map (single and dual bank),
the F107 on the wrong USART, the L151 (RAK5205) with read protection."""

import pytest

from stm32boot import boards
from stm32boot.boards.model import Board, Memory, Uart
from stm32boot.cli import main
from stm32boot.sim.rom.chips import open_chip

KB = 1024


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("STM32BOOT_SIM_STATE", str(tmp_path / "sim"))
    return tmp_path


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def chip_flash(name, addr, n):
    chip, _, st = open_chip(name)
    try:
        off = addr - 0x0800_0000
        return bytes(chip.flash[off:off + n])
    finally:
        st.close()


def image(tmp_path, n, seed=1, name="app.bin"):
    p = tmp_path / name
    p.write_bytes(bytes((i * 7 + seed) & 0xFF for i in range(n)))
    return str(p), p.read_bytes()


def test_f767_single_bank_erases_the_right_sectors_and_flashes(state, capsys):
    path, data = image(state, 40 * KB)
    # 0x08008000 is sector 1 (32 KB) on a single-bank F76x: the image spans sectors 1 and 2
    rc, out, err = run(capsys, "flash", f"{path}@0x08008000", "--via", "rom", "--chip", "f767")
    assert rc == 0, err
    assert "(2 sector(s) erased, 0 skipped unchanged), verified by readback" in out
    assert "STM32F76x/77x" in out
    assert chip_flash("f767", 0x0800_8000, len(data)) == data
    rc, out, err = run(capsys, "flash", f"{path}@0x08008000", "--via", "rom", "--chip", "f767")
    assert rc == 0 and "nothing to write, all 2 sector(s) already hold the image" in out
    rc, out, err = run(capsys, "verify", f"{path}@0x08008000", "--via", "rom", "--chip", "f767")
    assert rc == 0 and "match the chip" in out


def test_f767_dual_bank_uses_the_bank2_numbers(state, capsys):
    assert main(["sim", "f767", "--rom", "--dual-bank", "on", "--uart", "none"]) == 0
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "f767")
    assert "dual bank, nDBANK = 0" in out and "4 x 16 KB" in out
    path, data = image(state, 20 * KB)
    # dual bank: 0x08100000 is bank 2's sector 12 (16 KB) -> 2 sectors of 16 KB
    rc, out, err = run(capsys, "flash", f"{path}@0x08100000", "--via", "rom", "--chip", "f767")
    assert rc == 0, err
    assert "(2 sector(s) erased" in out and "dual bank" in out
    assert chip_flash("f767", 0x0810_0000, len(data)) == data


def test_f767_erase_of_a_sector_the_chip_lacks_is_diagnosed_not_blamed_on_protection(state, capsys):
    """What Flash Loader Demonstrator's wrong map did: name a sector the chip does not have."""
    from stm32boot.rom.connect import open_rom
    from stm32boot.rom.diagnose import explain_nack
    from stm32boot.rom.client import Nack
    s = open_rom(None, chip="f767")
    try:
        with pytest.raises(Nack) as e:
            s.client.erase([15])
        msg = str(explain_nack(s.client, e.value))
    finally:
        s.close()
    assert "protection is not the cause" in msg and "RDP) level 0" in msg
    assert "page/sector this chip does not have" in msg


def test_f107_on_the_wrong_usart_gets_pin_advice(state, capsys):
    assert main(["sim", "f107", "--rom", "--wired", "PB10/PB11", "--uart", "none"]) == 0
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "f107")
    assert rc == 2
    assert "no answer to 0x7F" in err
    assert "USART1 TX PA9 / RX PA10" in err and "USART2 TX PD5 / RX PD6 (remapped, 100-pin packages only)" in err
    assert "BOOT0 is high" in err and "reset" in err and "handshake" in err
    assert "keep PA9 low" in err
    assert "Traceback" not in err
    # rewired to USART1: it answers
    assert main(["sim", "f107", "--rom", "--wired", "PA9/PA10", "--uart", "none"]) == 0
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "f107")
    assert rc == 0 and "product ID 0x418" in out


def test_f107_with_pa9_high_still_connects_on_the_slow_usb_path(state, capsys):
    assert main(["sim", "f107", "--rom", "--pa9-high", "on", "--uart", "none"]) == 0
    path, data = image(state, 5000)
    rc, out, err = run(capsys, "flash", f"{path}@0x08001000", "--via", "rom", "--chip", "f107")
    assert rc == 0, err
    assert "(3 sector(s) erased" in out        # 2 KB pages 2, 3, 4
    assert chip_flash("f107", 0x0800_1000, len(data)) == data


def test_l151_rdp1_is_diagnosed_then_unprotected_after_confirmation_and_flashed(state, capsys, monkeypatch):
    assert main(["sim", "l151", "--rom", "--rdp", "1", "--uart", "none"]) == 0
    path, data = image(state, 3000)
    rc, out, err = run(capsys, "flash", f"{path}@0x08000000", "--via", "rom", "--chip", "l151")
    assert rc == 2
    assert "read protection (RDP level 1) is active" in err and "ERASES THE WHOLE FLASH" in err
    assert "stm32boot unprotect --via rom" in err
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "l151")
    assert rc == 0 and "RDP level 1" in out
    # no terminal, no --yes: refused, nothing changed
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    rc, out, err = run(capsys, "unprotect", "--via", "rom", "--chip", "l151")
    assert rc == 2 and "pass --yes" in err and "ERASES THE WHOLE FLASH (128 KB)" in out
    # a terminal answering 'no': nothing changed
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    rc, out, err = run(capsys, "unprotect", "--via", "rom", "--chip", "l151")
    assert rc == 1 and "nothing changed" in out
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "l151")
    assert "RDP level 1" in out
    # 'yes': read protection removed (mass erase), then the flash goes through
    monkeypatch.setattr("builtins.input", lambda prompt="": "yes")
    rc, out, err = run(capsys, "unprotect", "--via", "rom", "--chip", "l151")
    assert rc == 0 and "read protection removed (flash mass-erased)" in out and "level 0" in out, err
    rc, out, err = run(capsys, "flash", f"{path}@0x08000000", "--via", "rom", "--chip", "l151")
    assert rc == 0, err
    assert "(12 sector(s) erased" in out                 # 256-byte pages: 3000 bytes -> 12 pages
    assert chip_flash("l151", 0x0800_0000, len(data)) == data


def test_wrp_is_named_when_verify_fails(state, capsys):
    assert main(["sim", "f767", "--rom", "--wrp", "2", "--uart", "none"]) == 0
    path, data = image(state, 1024)
    rc, out, err = run(capsys, "flash", f"{path}@0x08010000", "--via", "rom", "--chip", "f767")
    assert rc == 2
    assert "write protection on sector(s) 2 (0x08010000..0x08017FFF)" in err
    assert "unprotect --via rom" in err
    rc, out, err = run(capsys, "unprotect", "--via", "rom", "--chip", "f767")
    assert rc == 0 and "write protection removed" in out, err
    rc, out, err = run(capsys, "flash", f"{path}@0x08010000", "--via", "rom", "--chip", "f767")
    assert rc == 0, err


def test_erase_all_and_read_via_rom(state, capsys, tmp_path):
    path, data = image(state, 600)
    assert main(["flash", f"{path}@0x08000000", "--via", "rom", "--chip", "l151", "--no-reset"]) == 0
    capsys.readouterr()
    out_file = tmp_path / "dump.bin"
    rc, out, err = run(capsys, "read", "0x08000000", "600", "-o", str(out_file), "--via", "rom", "--chip", "l151")
    assert rc == 0 and out_file.read_bytes() == data
    missing = tmp_path / "no-such-dir" / "dump.bin"
    rc, out, err = run(capsys, "read", "0x08000000", "16", "-o", str(missing), "--via", "rom", "--chip", "l151")
    assert rc == 2 and f"{missing}: cannot write" in err and "Traceback" not in err
    rc, out, err = run(capsys, "erase", "--all", "--via", "rom", "--chip", "l151")
    assert rc == 0 and "512 pages erased by list" in out     # L1: no global erase (AN2606)
    assert chip_flash("l151", 0x0800_0000, 600) == bytes(600)


def test_unknown_chip_and_wrong_board_are_named(state, capsys):
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "f999")
    assert rc == 2 and "no simulated chip of that name" in err


def test_board_whose_serial_port_is_not_a_rom_usart_says_what_to_wire(state, capsys, monkeypatch):
    """The F746G-DISCO's ST-LINK VCP is USART1 TX PA9 / RX PB7; AN2606 lists PA10 for USART1 RX."""
    f746 = Board("f746", "STM32F746G-DISCO", "STM32F746NGH6", 0x449,
                 (Memory("flash", 0x0800_0000, 1024 * KB, ((4, 32 * KB), (1, 128 * KB), (3, 256 * KB)), 4, 256),),
                 Uart("USART1", "PA9", "PB7", 7), 25_000_000, 32 * KB, (("SRAM", 0x2000_0000, 320 * KB),))
    monkeypatch.setitem(boards.BOARDS, "f746", f746)
    bl, _ = image(state, 4096, name="bl.bin")
    rc, out, err = run(capsys, "update-bootloader", f"{bl}@0x08000000", "--via", "rom", "--board", "f746",
                       "--port", str(state / "no-such-port"))
    assert rc == 2
    assert "USART1 TX PA9 / RX PB7, which the STM32F74x/75x ROM bootloader does not listen on" in err
    assert "bring the adapter's TX to PA10" in err
    assert "no-such-port" in err and "Traceback" not in err


def test_via_needs_rom_for_unprotect(state, capsys):
    rc, out, err = run(capsys, "unprotect")
    assert rc == 2 and "--via rom" in err


def test_before_sequence_enters_the_bootloader_on_an_adapter_wired_to_boot0(state, capsys):
    """BOOT0 low (the application runs): silent, with the checklist; --before rts-boot0 pulls BOOT0 high
    through RTS and pulses NRST through DTR, and the ROM answers."""
    assert main(["sim", "l151", "--rom", "--boot0", "low", "--uart", "none"]) == 0
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "l151")
    assert rc == 2 and "BOOT0 is high" in err and "--before rts-boot0" in err
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "l151", "--before", "rts-boot0")
    assert rc == 0 and "product ID 0x429" in out, err
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "l151", "--before", "rts,bogus")
    assert rc == 2 and "cannot read step 'bogus'" in err


def test_protect_then_unprotect_round_trip(state, capsys):
    rc, out, err = run(capsys, "protect", "--via", "rom", "--chip", "f767", "--wrp", "3")
    assert rc == 0 and "write protection on sector(s) 3 (0x08018000..0x0801FFFF)" in out, err
    rc, out, err = run(capsys, "protect", "--via", "rom", "--chip", "f767", "--wrp", "12")
    assert rc == 2 and "no write-protection bit 12" in err
    path, data = image(state, 256)
    assert main(["flash", f"{path}@0x08000000", "--via", "rom", "--chip", "f767", "--no-reset"]) == 0
    rc, out, err = run(capsys, "protect", "--via", "rom", "--chip", "f767", "--rdp")
    assert rc == 0 and "RDP level 1" in out, err
    rc, out, err = run(capsys, "read", "0x08000000", "16", "-o", str(state / "x.bin"), "--via", "rom",
                       "--chip", "f767")
    assert rc == 2 and "read protection (RDP level 1) is active" in err
    rc, out, err = run(capsys, "unprotect", "--via", "rom", "--chip", "f767", "--yes")
    assert rc == 0 and "read protection removed" in out and "write protection removed" in out, err
    assert "level 0" in out and "no write protection" in out
    assert chip_flash("f767", 0x0800_0000, 256) == b"\xff" * 256      # the mass erase took the image


def test_no_parity_on_a_real_8e1_link_is_named(state, capsys):
    rc, out, err = run(capsys, "info", "--via", "rom", "--chip", "f767", "--parity", "none")
    assert rc == 2 and "8E1" in err and "--parity" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["protect", "unprotect"])
def test_rom_only_commands_without_via_rom_say_how_to_reach_the_rom(state, capsys, command):
    rc, out, err = run(capsys, command)
    assert rc == 2 and f"{command} works through ST's ROM bootloader" in err and "--via rom" in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
