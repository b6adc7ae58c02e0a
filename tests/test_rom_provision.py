"""A blank simulated STM32H735G-DK gets our bootloader through its ROM bootloader (BOOT0 high, USART3
PD8/PD9), then `doit flash board=h735` works as usual; Go from the ROM starts our bootloader."""
import os
import subprocess
import sys

from stm32boot import boards

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BL = os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf")
DOIT = os.path.join(ROOT, ".venv", "bin", "doit")


def sh(*cmd, env):
    r = subprocess.run(list(cmd), cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return r.returncode, r.stdout, r.stderr


def test_blank_h735_provisioned_through_rom_then_doit_flash(tmp_path):
    assert os.path.exists(BL), "build the firmware first: doit firmware"
    env = dict(os.environ, STM32BOOT_SIM_STATE=str(tmp_path / "board"))
    py = [sys.executable, "-m", "stm32boot"]
    rc, out, err = sh(*py, "sim", "h735", "--blank", "--boot0", "high", "--uart", "none", env=env)
    assert rc == 0 and "BOOT0 high" in err, err
    # with BOOT0 high our own protocol finds ST's ROM, and says so
    rc, out, err = sh(*py, "info", env=env)
    assert rc == 2 and "BOOT0 is high" in err and "--via rom" in err
    rc, out, err = sh(*py, "info", "--via", "rom", env=env)
    assert rc == 0 and "product ID 0x483" in out and "USART3 TX PD8 / RX PD9" in out, err
    rc, out, err = sh(DOIT, "flash-loader", "board=h735", "via=rom", env=env)
    assert rc == 0, out + err
    assert "update-bootloader:" in out and "through the ROM bootloader of the STM32H72x/73x" in out
    assert "Set BOOT0 low" in out
    rc, out, err = sh(*py, "sim", "h735", "--boot0", "low", "--uart", "none", env=env)
    assert rc == 0
    rc, out, err = sh(DOIT, "flash", "board=h735", env=env)
    assert rc == 0, out + err
    assert "stm32boot demo" in out and "verified by CRC" in out
    assert "was blank" not in out + err            # the bootloader came through the ROM, not the shortcut


def test_rom_go_starts_our_bootloader_on_the_simulated_core(tmp_path):
    """In process: the ROM model writes our bootloader, Go jumps the unicorn core to it, and our
    protocol answers HELLO on the same USART3."""
    from stm32boot.image import load
    from stm32boot.rom.client import RomClient
    from stm32boot.sim.board import build as sim_build
    from stm32boot.sim.rom.onboard import rom_model
    from stm32boot.sim.rom.link import RomLink
    from stm32boot.sim_link import SimTransport
    from stm32boot.target import Target
    m = sim_build("h735", state_dir=None, warn=lambda *a: None, boot0=True)
    try:
        model = rom_model(m)
        c = RomClient(RomLink(model))
        assert c.connect().pid == 0x483
        c.erase([0], [128 * 1024])
        for addr, data in load([BL]).chunks:
            data = bytes(data) + b"\xff" * (-len(data) % 32)
            c.write(addr, data)
        c.go(0x0800_0000)
        assert model.state == "gone" and m.pc() != 0
        t = Target(SimTransport(boards.get("h735"), machine=m))
        info = t.hello()
        assert info.board == "h735"
    finally:
        m.close()


def test_h735_rom_read_protection_seen_by_probe_and_removed(tmp_path, monkeypatch, capsys):
    """H7 options live in FLASH registers the ROM cannot show: RDP is found by a refused read, and
    Readout Unprotect mass-erases the simulated flash through the FLASH model's option registers."""
    from stm32boot.cli import main
    from stm32boot.sim.board import build as sim_build
    monkeypatch.setenv("STM32BOOT_SIM_STATE", str(tmp_path / "board"))
    assert main(["sim", "h735", "--blank", "--boot0", "high", "--uart", "none"]) == 0
    img = tmp_path / "app.bin"
    img.write_bytes(bytes(range(256)) * 4)
    assert main(["flash", f"{img}@0x08020000", "--via", "rom", "--no-reset"]) == 0
    assert main(["protect", "--via", "rom", "--rdp"]) == 0
    capsys.readouterr()
    assert main(["info", "--via", "rom"]) == 0
    assert "read protection (RDP level 1): Read Memory is refused" in capsys.readouterr().out
    assert main(["flash", f"{img}@0x08020000", "--via", "rom"]) == 2
    assert "keeps its option bytes out of the ROM bootloader's reach" in capsys.readouterr().err
    assert main(["unprotect", "--via", "rom", "--yes"]) == 0
    assert "no read protection" in capsys.readouterr().out
    m = sim_build("h735", state_dir=str(tmp_path / "board"), warn=lambda *a: None)
    try:
        assert m.flash_ctl.get("OPTSR_CUR") >> 8 & 0xFF == 0xAA            # RDP level 0 again
        assert m.read(0x0802_0000, 16) == b"\xff" * 16                    # mass-erased
    finally:
        m.close()
