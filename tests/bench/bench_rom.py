"""Write rate through ST's ROM bootloader (AN3155 Write Memory: 256 data bytes cost 2+5+1+256+1 bytes
out and 3 ACKs back, 11 bit times each in 8E1, plus the flash programming time before the last ACK),
on the STM32F767 model, at 115200 and 921600 baud:

  wire         the raw 8E1 byte rate (baud / 11)
  AN3155 bound 256 / (268 x 11 / baud + programming time): what no client can beat
  ours         our RomClient.write, in process on the model's virtual clock (no link latency, then 1 ms)
  paced pty    ours and Debian's stm32flash (-e 0, blank flash) over a pty that the model paces in
               wall-clock time at the same baud, the same model and flash timings

Goal: ours in process >= 95 % of the AN3155 bound."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
N = int(os.environ.get("BENCH_ROM_BYTES", str(32 * 1024)))
ADDR = 0x0800_0000


def in_process(baud, latency):
    from stm32boot.rom.client import RomClient
    from stm32boot.rom.devices import DEVICES
    from stm32boot.sim.rom.chip import Chip
    from stm32boot.sim.rom.link import RomLink
    from stm32boot.sim.rom.model import RomModel
    link = RomLink(RomModel(Chip(DEVICES[0x451])), baud=baud, latency_s=latency)
    c = RomClient(link, baud)
    c.connect()
    t = link.now()
    c.write(ADDR, bytes(i & 0xFF for i in range(N)))
    return N / (link.now() - t)


class PacedSim:
    def __init__(self, tmp, baud):
        self.link = os.path.join(tmp, f"tty{baud}")
        env = dict(os.environ, STM32BOOT_SIM_STATE=os.path.join(tmp, f"state{baud}"))
        self.p = subprocess.Popen([sys.executable, "-m", "stm32boot", "sim", "f767", "--rom", "--blank",
                                   "--uart", f"pty:{self.link}", "--pace", str(baud), "--timeout", "300"],
                                  cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        for line in self.p.stderr:
            if "pseudo-terminal" in line:
                break

    def stop(self):
        self.p.terminate()
        self.p.wait(10)


def ours_paced(tmp, baud):
    from stm32boot.rom.client import RomClient
    from stm32boot.rom.port import RomSerial
    sim = PacedSim(tmp, baud)
    try:
        port = RomSerial(sim.link, baud, "N")
        c = RomClient(port, baud)
        c.connect()
        t = time.monotonic()
        c.write(ADDR, bytes(i & 0xFF for i in range(N)))
        dt = time.monotonic() - t
        port.close()
    finally:
        sim.stop()
    return N / dt


def stm32flash_paced(tmp, baud):
    tool = shutil.which("stm32flash")
    if not tool:
        return None
    img = os.path.join(tmp, "img.bin")
    with open(img, "wb") as f:
        f.write(bytes(i & 0xFF for i in range(N)))
    sim = PacedSim(tmp, baud)
    try:
        # connection cost measured apart, then subtracted: a run that only identifies the chip
        t = time.monotonic()
        subprocess.run([tool, "-m", "8n1", "-b", str(baud), sim.link], capture_output=True, timeout=120)
        t_connect = time.monotonic() - t
        t = time.monotonic()
        r = subprocess.run([tool, "-m", "8n1", "-b", str(baud), "-e", "0", "-w", img, "-S", hex(ADDR), sim.link],
                           capture_output=True, text=True, timeout=300)
        dt = time.monotonic() - t - t_connect
    finally:
        sim.stop()
    return N / dt if r.returncode == 0 and dt > 0 else None


def main():
    from stm32boot.rom.devices import DEVICES
    prog = DEVICES[0x451].prog256_s
    with tempfile.TemporaryDirectory() as tmp:
        for baud in (115200, 921600):
            wire = baud / 11
            bound = 256 / (268 * 11 / baud + prog)
            ours = in_process(baud, 0.0)
            ours_1ms = in_process(baud, 0.001)
            paced = ours_paced(tmp, baud)
            peer = stm32flash_paced(tmp, baud)
            peer_s = f"{peer / 1e3:6.1f} kB/s" if peer else "  (stm32flash not installed or failed)"
            print(f"ROM write {N // 1024} KB to the F767 model at {baud:>6} baud: wire {wire / 1e3:5.1f} kB/s, "
                  f"AN3155 bound {bound / 1e3:5.1f} kB/s; ours {ours / 1e3:5.1f} kB/s = {100 * ours / bound:5.1f} % "
                  f"of the bound (goal >= 95 %: {'met' if ours >= 0.95 * bound else 'NOT met'}), {ours_1ms / 1e3:5.1f} kB/s with 1 ms link latency; paced pty: "
                  f"ours {paced / 1e3:5.1f} kB/s, stm32flash {peer_s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
