"""Persistence and loud failures of the simulator core: state directories, bad ELFs, the `sim` CLI."""
import json
import os
import shutil
import struct
import subprocess
import sys

import pytest
from elftools.elf.elffile import ELFFile

from stm32boot.cli import main
from stm32boot.sim.board import build as sim_build
from stm32boot.sim.elfload import ElfLoadError
from stm32boot.sim.state import SimState, StateError

from test_sim_core import elf  # noqa: F401  (session fixture: the core test firmware)


def test_flash_survives_between_runs_and_blank_starts_erased(elf, tmp_path):  # noqa: F811
    m = sim_build("h735", state_dir=str(tmp_path))
    m.load_elf(elf)
    m.close()
    m = sim_build("h735", state_dir=str(tmp_path))     # no ELF this time: boots what the flash holds
    res = m.run(timeout_s=10)
    m.close()
    assert (res.reason, res.r0) == ("bkpt", 42)
    m = sim_build("h735", state_dir=str(tmp_path), blank=True)
    assert m.read(0x0800_0000, 8) == b"\xff" * 8
    res = m.run(timeout_s=10)                    # erased vector table: a fetch fault at once
    m.close()
    assert res.reason == "fault"
    assert "IACCVIOL (the vector table at 0x08000000 is erased" in res.fault_report.summary


def test_sparse_blob_keeps_only_written_pages(tmp_path):
    st = SimState.open("h735", str(tmp_path))
    nor = st.blob("nor", 64 << 20, sparse=True)
    nor[0x123000:0x123004] = b"\x01\x02\x03\x04"
    st.save()
    st.close()
    info = json.loads((tmp_path / "manifest.json").read_text())["blobs"]["nor"]
    assert os.path.getsize(tmp_path / info["file"]) < 3 * 4096
    st = SimState.open("h735", str(tmp_path))
    nor = st.blob("nor", 64 << 20, sparse=True)
    assert nor[0x123000:0x123005] == b"\x01\x02\x03\x04\xff"
    st.close()


def test_state_of_another_board_is_refused(tmp_path):
    st = SimState.open("h735", str(tmp_path))
    st.save()
    st.close()
    m = json.loads((tmp_path / "manifest.json").read_text())
    m["board"] = "f746"
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StateError, match="belongs to board 'f746', not 'h735'"):
        sim_build("h735", state_dir=str(tmp_path))


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupt_state_file_is_refused(tmp_path, damage):
    m = sim_build("h735", state_dir=str(tmp_path))
    m.write(0x0800_0000, b"\x00\x10\x02\x20")
    m.close()
    path = tmp_path / json.loads((tmp_path / "manifest.json").read_text())["blobs"]["flash"]["file"]
    data = bytearray(path.read_bytes())
    path.write_bytes(data[:1000] if damage == "truncate" else bytes([data[0] ^ 1]) + data[1:])
    with pytest.raises(StateError, match=r"flash\.\d+\.bin is corrupt or truncated.*--blank"):
        sim_build("h735", state_dir=str(tmp_path))
    sim_build("h735", state_dir=str(tmp_path), blank=True).close()   # the way out the message gives


def test_second_process_on_the_same_state_is_refused_naming_its_pid(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from stm32boot.sim.state import SimState; "
         f"s = SimState.open('h735', {str(tmp_path)!r}); print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StateError, match=rf"in use by another simulator \(PID {holder.pid}\)"):
            sim_build("h735", state_dir=str(tmp_path))
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    sim_build("h735", state_dir=str(tmp_path)).close()    # free again once the holder exits


def test_directory_that_is_not_a_state_dir_is_refused(tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(StateError, match="not a simulator state directory"):
        SimState.open("h735", str(tmp_path))


def _moved_segment(src, dst, paddr):
    shutil.copy(src, dst)
    with open(src, "rb") as f:
        e = ELFFile(f)
        off = e["e_phoff"]
        for i, seg in enumerate(e.iter_segments()):
            if seg["p_type"] == "PT_LOAD" and seg["p_filesz"]:
                break
        entsize = e["e_phentsize"]
    with open(dst, "r+b") as f:
        f.seek(off + i * entsize + 12)            # Elf32_Phdr.p_paddr
        f.write(struct.pack("<I", paddr))
    return i


def test_elf_segment_outside_every_memory_is_an_error_naming_it(elf, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.elf"
    idx = _moved_segment(elf, bad, 0x6000_0000)
    m = sim_build("h735")
    with pytest.raises(ElfLoadError, match=rf"segment {idx} at physical address 0x60000000-.*outside every "
                                           r"memory of the h735 \(ITCM"):
        m.load_elf(bad)
    assert m.read(0x0800_0000, 4) == b"\xff" * 4   # nothing half-loaded


def test_not_an_elf_is_an_error(tmp_path):
    p = tmp_path / "x.elf"
    p.write_bytes(b"hello")
    with pytest.raises(ElfLoadError, match="not a readable ELF"):
        sim_build("h735").load_elf(p)
    with pytest.raises(ElfLoadError, match="no such file"):
        sim_build("h735").load_elf(tmp_path / "missing.elf")


def test_cli_runs_to_bkpt_and_reports_virtual_and_wall_time(elf, tmp_path, capsys):  # noqa: F811
    rc = main(["sim", "h735", "--uart", "none", "--state", str(tmp_path), "--elf", elf, "--timeout", "10"])
    err = capsys.readouterr().err
    assert rc == 0
    assert "bkpt #0" in err and "virtual" in err and "wall" in err


def test_cli_bad_elf_is_a_clear_error(elf, tmp_path, capsys):  # noqa: F811
    bad = tmp_path / "bad.elf"
    _moved_segment(elf, bad, 0x6000_0000)
    rc = main(["sim", "h735", "--uart", "none", "--state", str(tmp_path / "state"), "--elf", str(bad)])
    assert rc == 2 and "outside every memory" in capsys.readouterr().err


def test_cli_erased_board_faults_with_report(tmp_path, capsys):
    rc = main(["sim", "h735", "--uart", "none", "--state", str(tmp_path), "--timeout", "10"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "HardFault" in err and "IACCVIOL" in err and "CFSR=0x00000001" in err and "erased" in err


def test_cli_other_board_state_is_a_clear_error(tmp_path, capsys):
    st = SimState.open("f746", str(tmp_path))
    st.save()
    st.close()
    rc = main(["sim", "h735", "--uart", "none", "--state", str(tmp_path)])
    assert rc == 2 and "belongs to board 'f746'" in capsys.readouterr().err
