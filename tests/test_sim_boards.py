"""What every board in the registry must do in the simulator, run for each board (a new board file is
covered by these without a new test): its machine builds from the description, the console is the named
USART, an erased board faults with the decoded reason, flash and NOR contents survive in the state
directory, --blank starts over, and the CLI runs it."""
import pytest

from stm32boot import boards
from stm32boot.cli import main
from stm32boot.sim import chips
from stm32boot.sim.board import build

BOARDS = boards.names()


def test_the_registry_holds_the_boards_we_simulate():
    assert {"h735", "f746"} <= set(BOARDS)


@pytest.mark.parametrize("name", BOARDS)
def test_the_machine_is_built_from_the_description(name):
    b = boards.get(name)
    chip = chips.get(b.sim_chip)
    m = build(name, strict=True)
    assert m.console.name == b.console.name
    assert m.console.tx_pins == ((b.console.tx_pin, b.console.af),)
    fl = b.memory("flash")
    assert (fl.base, fl.size, fl.sectors) == chip.FLASH
    assert m.sysclk_hz() == chip.RESET_SYSCLK_HZ
    for rname, base, size in b.ram:
        m.write(base + size - 4, b"\x5a\xa5\x5a\xa5")
        assert m.read(base + size - 4, 4) == b"\x5a\xa5\x5a\xa5", rname
    assert m.nor_part == b.nor.default
    assert m.bus_model("DBGMCU").bus_read(0, 4) & 0xFFF == b.dev_id


@pytest.mark.parametrize("name", BOARDS)
def test_an_erased_board_faults_with_the_reason(name):
    res = build(name).run(timeout_s=5)
    assert res.reason == "fault" and "erased" in res.fault_report.format()


@pytest.mark.parametrize("name", BOARDS)
def test_flash_and_nor_survive_in_the_state_and_blank_starts_over(name, tmp_path):
    b = boards.get(name)
    fl, nor = b.memory("flash"), b.memory("nor")
    m = build(name, state_dir=str(tmp_path))
    m.write(fl.base + fl.size - 16, b"persisted flash!")
    end = nor.device_size           # the chip's last bytes, past what the bootloader lends the host
    m.nor.mem[end - 4:end] = b"NOR!"
    m.nor.changed(end - 4, end)
    m.close()
    m = build(name, state_dir=str(tmp_path))
    assert m.read(fl.base + fl.size - 16, 16) == b"persisted flash!"
    assert bytes(m.nor.mem[end - 4:end]) == b"NOR!"
    m.close()
    m = build(name, state_dir=str(tmp_path), blank=True)
    assert m.read(fl.base + fl.size - 16, 16) == b"\xff" * 16 and bytes(m.nor.mem[end - 4:end]) == b"\xff" * 4
    m.close()


@pytest.mark.parametrize("name", BOARDS)
def test_cli_runs_each_board(name, tmp_path, capsys):
    rc = main(["sim", name, "--uart", "none", "--state", str(tmp_path / "new"), "--timeout", "10"])
    err = capsys.readouterr().err
    assert rc == 1 and boards.get(name).title in err and "HardFault" in err and "erased" in err


def test_loader_check_names_why_a_board_is_not_supported(tmp_path, capsys):
    f = tmp_path / "x.stldr"
    f.write_bytes(b"\x7fELF")
    rc = main(["loader-check", str(f), "--board", "f746"])
    err = capsys.readouterr().err
    assert rc == 2 and "drives an OCTOSPI NOR so far" in err and "NOR is on QUADSPI" in err
    rc = main(["loader-check", str(f), "--board", "nope"])
    assert rc == 2 and "unknown board 'nope'" in capsys.readouterr().err
