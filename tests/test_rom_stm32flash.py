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
