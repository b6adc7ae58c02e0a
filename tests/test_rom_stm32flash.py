"""Debian's stm32flash as a real peer: it drives our ROM bootloader models over a pty (`-m 8n1`, a pty
cannot carry parity) to write, verify, read and erase; for the H735 (0x483) it refuses on its own
("Unknown/unsupported device"), its device table lacking that chip."""
import os
import shutil
import subprocess
import sys
import time

import pytest

from stm32boot.sim.rom.chips import open_chip

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STM32FLASH = shutil.which("stm32flash")
pytestmark = pytest.mark.skipif(STM32FLASH is None, reason="Debian's stm32flash is not installed "
                                "(apt-get install stm32flash)")


class Sim:
    def __init__(self, tmp_path, *args, env):
        self.link = str(tmp_path / "tty")
        self.p = subprocess.Popen([sys.executable, "-m", "stm32boot", "sim", *args, "--uart", f"pty:{self.link}",
                                   "--timeout", "120"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        self.err = ""
        for line in self.p.stderr:
            self.err += line
            if "pseudo-terminal" in line:
                return
        raise AssertionError(f"the simulator did not open a pty: {self.err}")

    def stop(self):
        self.p.terminate()
        self.err += self.p.stderr.read()
        self.p.wait(10)


def flash_tool(*args):
    r = subprocess.run([STM32FLASH, "-m", "8n1", "-b", "115200", *args], capture_output=True, text=True,
                       timeout=300)
    return r.returncode, r.stdout + r.stderr


@pytest.fixture
def env(tmp_path):
    return dict(os.environ, STM32BOOT_SIM_STATE=str(tmp_path / "sim"))


@pytest.mark.parametrize("chip,addr,erase_len", [
    ("f767", 0x0800_8000, 0x8000),      # one 32 KB sector (single bank)
    ("f107", 0x0800_1000, 3 * 2048),    # three 2 KB pages
    ("l151", 0x0800_1000, 20 * 256),    # twenty 256-byte pages
])
def test_stm32flash_writes_verifies_reads_and_erases(tmp_path, env, chip, addr, erase_len):
    data = bytes((i * 13 + 5) & 0xFF for i in range(5000))
    img = tmp_path / "app.bin"
    img.write_bytes(data)
    sim = Sim(tmp_path, chip, "--rom", env=env)
    try:
        rc, out = flash_tool("-w", str(img), "-v", "-S", hex(addr), sim.link)
        assert rc == 0, out
        assert "Wrote and verified" in out or "Done" in out, out
        back = tmp_path / "back.bin"
        rc, out = flash_tool("-r", str(back), "-S", f"{hex(addr)}:{len(data)}", sim.link)
        assert rc == 0 and back.read_bytes() == data, out
        rc, out = flash_tool("-o", "-S", f"{hex(addr)}:{erase_len}", sim.link)
        assert rc == 0, out
    finally:
        sim.stop()
    c, _, st = open_chip(chip, env["STM32BOOT_SIM_STATE"] + f"-rom-{chip}")
    try:
        off = addr - 0x0800_0000
        assert bytes(c.flash[off:off + len(data)]) == bytes([c.erased]) * len(data)
    finally:
        st.close()


def test_stm32flash_refuses_the_h735_by_itself(tmp_path, env):
    r = subprocess.run([sys.executable, "-m", "stm32boot", "sim", "h735", "--blank", "--boot0", "high",
                        "--uart", "none"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    sim = Sim(tmp_path, "h735", env=env)
    try:
        rc, out = flash_tool(sim.link)
    finally:
        sim.stop()
    assert rc != 0 and "0x483" in out and "nknown" in out, out


def _stm32boot(*args, env):
    r = subprocess.run([sys.executable, "-m", "stm32boot", *args], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=600)
    return r.returncode, r.stdout, r.stderr


def test_h735_rom_over_pty_installs_our_bootloader_and_go_runs_it(tmp_path, env):
    """`stm32boot sim h735 --boot0 high --uart pty`: our client provisions sector 0 through the ROM
    model over the pty, Go hands the core to our bootloader, which then answers our own protocol on
    the same USART3."""
    bl = os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf")
    assert os.path.exists(bl), "build the firmware first: doit firmware"
    rc, _, err = _stm32boot("sim", "h735", "--blank", "--boot0", "high", "--uart", "none", env=env)
    assert rc == 0, err
    sim = Sim(tmp_path, "h735", env=env)
    try:
        rc, out, err = _stm32boot("update-bootloader", bl, "--via", "rom", "--port", sim.link,
                                  "--parity", "none", "--baud", "921600", env=env)
        assert rc == 0 and "our bootloader is running" in out, err
        rc, out, err = _stm32boot("info", "--port", sim.link, env=env)
        assert rc == 0 and "h735" in out, err
    finally:
        sim.stop()
    assert "Go to 0x08000000; the core runs" in sim.err


def test_rom_model_over_tcp(tmp_path, env):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([sys.executable, "-m", "stm32boot", "sim", "f107", "--rom", "--uart", f"tcp:{port}",
                          "--timeout", "60"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        for line in p.stderr:
            if "tcp" in line.lower() or "listen" in line.lower():
                break
        time.sleep(0.2)
        rc, out, err = _stm32boot("info", "--via", "rom", "--port", f"socket://127.0.0.1:{port}",
                                  "--parity", "none", env=env)
        assert rc == 2 and "wrong chip" in err and "0x418" in err     # --board h735 is the default
        rc, out, err = _stm32boot("info", "--via", "rom", "--chip", "0x451", "--port",
                                  f"socket://127.0.0.1:{port}", "--parity", "none", env=env)
        assert rc == 2 and "--chip 0x451 is a STM32F76x/77x" in err
        rc, out, err = _stm32boot("info", "--via", "rom", "--chip", "f107", "--port",
                                  f"socket://127.0.0.1:{port}", "--parity", "none", env=env)
        assert rc == 0 and "product ID 0x418" in out, err
    finally:
        p.terminate()
        p.wait(10)
