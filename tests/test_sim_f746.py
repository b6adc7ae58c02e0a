"""The simulated STM32F746G-DISCO from the host side: the registry builds it, `stm32boot sim f746` runs a
bare-metal F7 program with its console on USART1, its state is refused by another board, the NOR part is
kept in the state, and the QUADSPI / FLASH / RCC rules that a firmware test cannot reach easily."""
import os
import subprocess
import sys

import pytest

from stm32boot import boards
from stm32boot.cli import main
from stm32boot.sim.board import build
from stm32boot.sim.periph.ospi_window import WindowFault
from stm32boot.sim.state import StateError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELF = os.path.join(ROOT, "build", "testfw", "f746", "f746.elf")
H735_ELF = os.path.join(ROOT, "build", "testfw", "core", "core.elf")
QSPI = 0xA000_1000


def route(m, pins, skip=()):
    """GPIO set-up as firmware does it (RM0385 §6.4): port clocks on, each pin in its alternate function."""
    from stm32boot.sim.periph.gpio import find_port, parse_pin
    for sig, name, af in pins:
        if sig in skip:
            continue
        letter, n = parse_pin(name)
        m.rcc.bus_write(0x30, 4, m.rcc.get("AHB1ENR") | 1 << "ABCDEFGHIJK".index(letter))
        port = find_port(m, letter)
        port.bus_write(0x00, 4, port.get("MODER") & ~(3 << 2 * n) | 2 << 2 * n)
        afr = 0x20 + 4 * (n // 8)
        cur = port.bus_read(afr, 4)
        port.bus_write(afr, 4, cur & ~(0xF << 4 * (n % 8)) | af << 4 * (n % 8))


def qspi_on(m, pins=True):
    if pins:
        route(m, m.board.nor.pins)
    m.rcc.bus_write(0x38, 4, 2)                        # AHB3ENR.QSPIEN
    q = m.quadspi
    q.bus_write(0x00, 4, 1 << 24 | 3 << 8 | 1)         # PRESCALER=1, FTHRES=3, EN
    q.bus_write(0x04, 4, 23 << 16)                     # FSIZE=23: 16 MB
    return q


def ccr(fmode, imode, admode, dmode, dcyc, ins):
    return fmode << 26 | dmode << 24 | dcyc << 18 | (2 << 12 if admode else 0) | admode << 10 | imode << 8 | ins


def test_the_registry_describes_both_boards_and_their_chips():
    f7 = boards.get("f746")
    assert f7.sim_chip == "stm32f74x" and f7.console.name == "USART1" and f7.console.tx_pin == "PA9"
    assert f7.nor.parts == ("n25q128a", "w25q128jv") and f7.nor.controller == "QUADSPI"
    assert [s for s, _ in f7.memory("flash").sector_list()][:6] == [0x0800_0000, 0x0800_8000, 0x0801_0000,
                                                                    0x0801_8000, 0x0802_0000, 0x0804_0000]
    m = build("f746")
    assert m.sysclk_hz() == 16_000_000                 # HSI at reset
    assert m.read(0x1FF0_F442, 2) == (1024).to_bytes(2, "little")
    assert m.bus_model("DBGMCU").bus_read(0, 4) & 0xFFF == 0x449
    assert {r.name for r in m.regions} >= {"ITCM", "DTCM", "SRAM1", "SRAM2", "FLASH", "FLASH_ITCM", "OPTBYTES"}
    assert m.read(0x1FFF_0010, 4) == bytes.fromhex("80007fff")   # BOOT_ADD0 0x0080 and its complement


def test_quadspi_window_faults_outside_memory_mapped_mode():
    m = build("f746")
    q = qspi_on(m)
    with pytest.raises(WindowFault, match="not in memory-mapped mode"):
        q.window.read(0, 4)
    q.bus_write(0x14, 4, ccr(3, 1, 1, 1, 0, 0x03))    # memory-mapped READ 0x03
    assert q.window.read(0, 4) == b"\xff" * 4
    with pytest.raises(WindowFault, match="read-only"):
        q.window.write(0, b"\0")


def test_quadspi_window_fault_stops_a_program_with_a_decoded_report(tmp_path):
    m = build("f746")
    qspi_on(m)
    # ldr r0, [r1]; bkpt with r1 = 0x90000000: a bus error, not a read.
    code = bytes.fromhex("0868" "00be")
    m.write(0x2000_0000, code)
    from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R1
    m.uc.reg_write(UC_ARM_REG_R1, 0x9000_0000)
    m.uc.reg_write(UC_ARM_REG_PC, 0x2000_0001)
    res = m.run(timeout_s=5)
    assert res.reason == "fault"
    assert "not in memory-mapped mode" in res.fault_report.format()


def test_quadspi_writes_while_busy_are_ignored_and_abort_ends_it():
    m = build("f746")
    q = qspi_on(m)
    q.bus_write(0x10, 4, 99)                            # DLR
    q.bus_write(0x14, 4, ccr(1, 1, 1, 1, 0, 0x03))     # indirect read, starts on AR
    q.bus_write(0x18, 4, 0)
    assert q.bus_read(0x08, 4) & 0x20                   # BUSY: 100 bytes pending in the FIFO
    q.bus_write(0x10, 4, 5)
    q.bus_write(0x18, 4, 0x100)
    assert q.get("DLR") == 99 and q.get("AR") == 0
    assert any("while BUSY=1" in t for t in q.trace) and any("AR write" in t for t in q.trace)
    q.bus_write(0x00, 4, q.get("CR") | 2)               # ABORT
    sr = q.bus_read(0x08, 4)
    assert not sr & 0x20 and sr & 0x02 and not q.get("CR") & 2


def test_quadspi_fthres_bit4_cannot_be_set_and_tef_beyond_fsize():
    m = build("f746")
    q = qspi_on(m)
    q.bus_write(0x00, 4, 1 << 24 | 0x13 << 8 | 1)
    assert q.get("CR", "FTHRES") == 0x03
    q.bus_write(0x10, 4, 3)
    q.bus_write(0x14, 4, ccr(1, 1, 1, 1, 0, 0x03))
    q.bus_write(0x18, 4, 0x0100_0000)                   # 16 MB: outside FSIZE
    assert q.bus_read(0x08, 4) & 1                      # TEF


def test_quadspi_ddr_dummy_and_timeout_counter():
    m = build("f746")
    q = qspi_on(m)
    m.nor.mem[0:8] = bytes(range(1, 9))
    q.bus_write(0x00, 4, q.get("CR") | 8)               # TCEN
    q.bus_write(0x30, 4, 100)                           # LPTR: 100 CLK cycles
    q.bus_write(0x14, 4, ccr(3, 1, 3, 3, 10, 0xEB))     # memory-mapped 0xEB, 10 dummies (N25Q default)
    assert q.window.kind == "direct" and q.window.read(0, 4) == bytes((1, 2, 3, 4))
    assert q.bus_read(0x08, 4) & 0x20                   # BUSY while the prefetch holds NCS low
    m.clock.advance_to(m.clock.now + 101 * q.cycle_ps())
    assert q.bus_read(0x08, 4) & 0x10 and not q.bus_read(0x08, 4) & 0x20   # TOF, BUSY released
    q.bus_write(0x00, 4, q.get("CR") | 2)
    q.bus_write(0x14, 4, ccr(3, 1, 3, 3, 10, 0xED) | 1 << 31)   # DTR quad I/O, DDRM
    assert q.window.read(0, 4) == bytes((1, 2, 3, 4))


def test_flash_wrong_key_is_a_bus_error_and_locks_until_reset():
    m = build("f746")
    code = bytes.fromhex("0a60" "00be")                 # str r2, [r1]; bkpt
    m.write(0x2000_0000, code)
    from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R1, UC_ARM_REG_R2
    m.uc.reg_write(UC_ARM_REG_R1, 0x4002_3C04)          # FLASH_KEYR
    m.uc.reg_write(UC_ARM_REG_R2, 0x1234_5678)
    m.uc.reg_write(UC_ARM_REG_PC, 0x2000_0001)
    res = m.run(timeout_s=5)
    assert res.reason == "fault" and "wrong FLASH_KEYR sequence" in res.fault_report.format()
    f = m.flash_ctl
    f.bus_write(0x04, 4, 0x45670123)
    f.bus_write(0x04, 4, 0xCDEF89AB)
    assert f.get("CR", "LOCK") == 1                     # the right keys no longer open it
    f.reset()
    f.bus_write(0x04, 4, 0x45670123)
    f.bus_write(0x04, 4, 0xCDEF89AB)
    assert f.get("CR", "LOCK") == 0


def test_rcc_reset_register_resets_and_enable_register_gates():
    m = build("f746")
    q = m.quadspi
    assert q.bus_read(0x00, 4) == 0 and (q.bus_write(0x00, 4, 1), q.get("CR"))[1] == 0   # clock off
    q = qspi_on(m)
    assert q.get("CR", "EN") == 1
    m.rcc.bus_write(0x18, 4, 2)                         # AHB3RSTR.QSPIRST
    assert q.get("CR") == 0
    q.bus_write(0x00, 4, 1)
    assert q.get("CR") == 0                             # held in reset
    m.rcc.bus_write(0x18, 4, 0)
    q.bus_write(0x00, 4, 1)
    assert q.get("CR") == 1


def test_rcc_pll_config_written_while_on_is_ignored():
    m = build("f746")
    r = m.rcc
    r.bus_write(0x00, 4, r.get("CR") | 1 << 24)         # PLLON with the reset PLLCFGR (HSI /16 x192 /2)
    m.clock.advance_to(m.clock.now + 10**9)
    assert r.ready("PLL")
    r.bus_write(0x04, 4, 0x2940_6C19)
    assert r.get("PLLCFGR") == 0x2400_3010 and r.notes


def test_cli_runs_a_bare_metal_f7_program_with_its_console_on_usart1(tmp_path):
    r = subprocess.run([sys.executable, "-m", "stm32boot", "sim", "f746", "--state", str(tmp_path), "--elf", ELF,
                        "--timeout", "60"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    out, err = r.stdout, r.stderr
    assert r.returncode == 0, err
    assert "f746 test firmware" in out and "q_jedec=2144792" in out and "done" in out
    assert "STM32F746G-DISCO" in err and "NOR n25q128a" in err and "bkpt #0" in err


def test_state_of_one_board_is_refused_by_the_other(tmp_path, capsys):
    build("f746", state_dir=str(tmp_path)).close()
    with pytest.raises(StateError, match="belongs to board 'f746', not 'h735'"):
        build("h735", state_dir=str(tmp_path))
    rc = main(["sim", "h735", "--uart", "none", "--state", str(tmp_path)])
    assert rc == 2 and "belongs to board 'f746', not 'h735'" in capsys.readouterr().err


def test_the_nor_part_is_kept_in_the_state(tmp_path, capsys):
    m = build("f746", state_dir=str(tmp_path), nor="w25q128jv")
    m.nor.mem[0:4] = b"W25Q"
    m.nor.changed(0, 4)
    m.close()
    m = build("f746", state_dir=str(tmp_path))
    assert m.nor.name == "W25Q128JV" and bytes(m.nor.mem[0:4]) == b"W25Q"
    m.close()
    with pytest.raises(StateError, match="fitted with the w25q128jv NOR, not the n25q128a; pass --blank"):
        build("f746", state_dir=str(tmp_path), nor="n25q128a")
    m = build("f746", state_dir=str(tmp_path), nor="n25q128a", blank=True)
    assert m.nor.name == "N25Q128A"
    m.close()
    rc = main(["sim", "f746", "--nor", "mx25lm51245g", "--uart", "none", "--state", str(tmp_path)])
    assert rc == 2 and "fitted with n25q128a, w25q128jv" in capsys.readouterr().err


def test_the_default_state_directory_is_one_per_board(monkeypatch, tmp_path):
    from stm32boot.sim.state import default_dir
    monkeypatch.delenv("STM32BOOT_SIM_STATE", raising=False)
    assert default_dir("f746") != default_dir("h735") and default_dir("f746").endswith("f746")
    monkeypatch.setenv("STM32BOOT_SIM_STATE", str(tmp_path / "{board}"))
    assert default_dir("f746") == str(tmp_path / "f746")


def test_the_usart1_console_reaches_a_tcp_client():
    import socket
    import threading
    from stm32boot.sim.channels import TcpChannel
    chan = TcpChannel(0, announce=None)
    client = socket.create_connection(("127.0.0.1", chan.port), timeout=30)
    try:
        m = build("f746", uart=chan)
        m.load_elf(ELF)
        m.reset()
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("r", m.run(timeout_s=60)))
        t.start()
        got = b""
        while b"done\n" not in got:
            chunk = client.recv(4096)
            assert chunk, got
            got += chunk
        t.join(60)
        assert result["r"].reason == "bkpt"
        assert b"f746 test firmware\n" in got and b"q_jedec=2144792\n" in got
    finally:
        client.close()
        chan.close()


def _cmd(q, ins, data=None, addr=None, dmode=1):
    """An indirect-mode command on one line: instruction, optional address, optional data bytes."""
    m = q.board
    if data is not None:
        q.bus_write(0x10, 4, len(data) - 1)
    q.bus_write(0x14, 4, ccr(0, 1, 1 if addr is not None else 0, dmode if data is not None else 0, 0, ins))
    if addr is not None:
        q.bus_write(0x18, 4, addr)
    for b in data or ():
        q.bus_write(0x20, 1, b)
    m.clock.advance_to(m.clock.now + 10**12)    # 1 s: past any register write (WRNVCR 0.2 s)
    q.bus_write(0x0C, 4, 0x1B)


def _read(q, ins, n, addr=None, lines=(1, 1, 1), dummy=0):
    m = q.board
    q.bus_write(0x10, 4, n - 1)
    q.bus_write(0x14, 4, ccr(1, lines[0], lines[1] if addr is not None else 0, lines[2], dummy, ins))
    if addr is not None:
        q.bus_write(0x18, 4, addr)
    out = bytes(q.bus_read(0x20, 1) for _ in range(n))
    m.clock.advance_to(m.clock.now + 10**9)
    q.bus_write(0x0C, 4, 0x1B)
    return out


def _abort(q):
    q.bus_write(0x00, 4, q.get("CR") | 2)
    q.bus_write(0x14, 4, 0)


def test_n25q_volatile_dummy_setting_changes_what_the_right_count_is():
    m = build("f746")
    q = qspi_on(m)
    m.nor.mem[0:4] = b"\x01\x02\x03\x04"
    assert _read(q, 0x85, 1) == b"\xfb"                       # VCR: dummy field 0xF = defaults
    _cmd(q, 0x06)
    _cmd(q, 0x81, b"\x8b")                                    # VCR: 8 dummy cycles, XIP off
    assert _read(q, 0xEB, 4, 0, (1, 3, 3), dummy=8) == b"\x01\x02\x03\x04"
    assert _read(q, 0xEB, 4, 0, (1, 3, 3), dummy=10) == b"\x02\x03\x04\xff"   # now 10 is wrong: 1 byte lost
    _cmd(q, 0x66)
    _cmd(q, 0x99)                                             # software reset: VCR from NVCR again
    assert _read(q, 0x85, 1) == b"\xfb"


def test_n25q_nvcr_dummy_setting_applies_at_reset():
    m = build("f746")
    q = qspi_on(m)
    _cmd(q, 0x06)
    _cmd(q, 0xB1, (0x8FFF).to_bytes(2, "little"))            # NVCR: dummy 8
    assert _read(q, 0x85, 1) == b"\xfb"                       # not yet
    _cmd(q, 0x66)
    _cmd(q, 0x99)
    assert _read(q, 0x85, 1) == b"\x8b"


def test_n25q_xip_with_sioo_keeps_reading_without_instructions():
    m = build("f746")
    q = qspi_on(m)
    m.nor.mem[0x200:0x208] = bytes(range(0x10, 0x18))
    _cmd(q, 0x06)
    _cmd(q, 0x81, b"\xf3")                                    # VCR.XIP = 0: XIP on
    q.bus_write(0x14, 4, ccr(3, 1, 3, 3, 10, 0xEB) | 1 << 28)   # memory-mapped with SIOO
    assert q.window.kind == "slow"
    assert q.window.read(0x200, 4) == bytes(range(0x10, 0x14))
    assert q.window.read(0x204, 4) == bytes(range(0x14, 0x18))  # no instruction sent: XIP continues
    _abort(q)
    m2 = build("f746")
    q2 = qspi_on(m2)
    m2.nor.mem[0x200:0x208] = bytes(range(0x10, 0x18))
    q2.bus_write(0x14, 4, ccr(3, 1, 3, 3, 10, 0xEB) | 1 << 28)  # SIOO without XIP on the device
    q2.window.read(0x200, 4)
    assert q2.window.read(0x204, 4) == b"\xff" * 4
    assert any("without instruction" in t for t in m2.nor.trace)


def test_w25q_block_erase_32k_time_and_quad_enable():
    m = build("f746", nor="w25q128jv")
    q = qspi_on(m)
    m.nor.mem[0x8000:0x10000] = b"\0" * 0x8000
    _cmd(q, 0x06)
    t0 = m.clock.now
    q.bus_write(0x14, 4, ccr(0, 1, 1, 0, 0, 0x52))
    q.bus_write(0x18, 4, 0x8000)
    assert m.nor.busy() and m.nor.next_change() - t0 == pytest.approx(120e9, rel=1e-3)   # 120 ms
    m.clock.advance_to(m.clock.now + 200 * 10**9)
    assert bytes(m.nor.mem[0x8000:0x10000]) == b"\xff" * 0x8000
    q.bus_write(0x0C, 4, 0x1B)
    _cmd(q, 0x06)
    _cmd(q, 0x31, b"\x00")                                    # SR2: QE = 0
    assert _read(q, 0x35, 1) == b"\x00"
    assert _read(q, 0x6B, 4, 0x8000, (1, 1, 3), dummy=8) == b"\xff" * 4
    assert any("needs the quad-enable bit" in t for t in m.nor.trace)


@pytest.mark.parametrize("part,nv_cmd,nv_data,check_cmd,want", [
    ("n25q128a", 0xB1, (0x8FFF).to_bytes(2, "little"), 0x85, b"\x8b"),   # NVCR dummy 8 -> VCR at power-on
    ("w25q128jv", 0x31, b"\x00", 0x35, b"\x00"),                         # SR2 QE cleared
])
def test_nor_non_volatile_bits_survive_power_off_and_reset(part, nv_cmd, nv_data, check_cmd, want, tmp_path):
    m = build("f746", state_dir=str(tmp_path), nor=part)
    q = qspi_on(m)
    _cmd(q, 0x06)
    _cmd(q, 0x01, b"\x04")                 # SR: BP0, the top of the array protected
    _cmd(q, 0x06)
    _cmd(q, nv_cmd, nv_data)
    _cmd(q, 0x66)
    _cmd(q, 0x99)
    assert _read(q, 0x05, 1) == b"\x04"    # a software reset keeps the protection bits
    m.close()
    m = build("f746", state_dir=str(tmp_path))
    q = qspi_on(m)
    assert _read(q, 0x05, 1) == b"\x04" and _read(q, check_cmd, 1) == want
    m.close()


def test_unknown_f7_register_accesses_are_reported_with_peripheral_offset_and_pc():
    warnings = []
    m = build("f746", warn=warnings.append)
    # ldr r0, [r1]; ldr r0, [r2]; bkpt: RCC+0x1C is reserved, 0x40000000 (TIM2) has no model.
    m.write(0x2000_0000, bytes.fromhex("0868" "1068" "00be"))
    from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R1, UC_ARM_REG_R2
    m.uc.reg_write(UC_ARM_REG_R1, 0x4002_381C)
    m.uc.reg_write(UC_ARM_REG_R2, 0x4000_0000)
    m.uc.reg_write(UC_ARM_REG_PC, 0x2000_0001)
    assert m.run(timeout_s=5).reason == "bkpt"
    assert any("RCC+0x01C" in w and "PC=0x20000000" in w for w in warnings), warnings
    assert any("0x40000000" in w and "at PC=0x2000000" in w for w in warnings), warnings


@pytest.mark.parametrize("where,busy_seen", [(0x2000_0000, True), (0x0800_0000, False)])
def test_an_erase_stalls_code_running_from_flash_but_not_from_ram(where, busy_seen):
    m = build("f746")
    f = m.flash_ctl
    f.bus_write(0x04, 4, 0x45670123)
    f.bus_write(0x04, 4, 0xCDEF89AB)
    m.write(where, bytes.fromhex("0161" "c268" "00be"))    # str r1,[r0,#16]; ldr r2,[r0,#12]; bkpt
    from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2
    m.uc.reg_write(UC_ARM_REG_R0, 0x4002_3C00)
    m.uc.reg_write(UC_ARM_REG_R1, 1 << 16 | 2 << 8 | 1 << 3 | 1 << 1)   # STRT, x32, SNB=1, SER
    m.uc.reg_write(UC_ARM_REG_PC, where | 1)
    res = m.run(timeout_s=5)
    assert res.reason == "bkpt"
    assert bool(m.reg(UC_ARM_REG_R2) & 1 << 16) == busy_seen     # BSY as the next instruction saw it
    assert (res.virtual_s >= 0.25) == (not busy_seen)              # 32 KB at x32: 250 ms


def test_the_console_is_usart1_on_pa9_pb7_only():
    from stm32boot.sim.channels import InProcessChannel
    chan = InProcessChannel()
    m = build("f746", uart=chan)
    r, u = m.rcc, m.console
    r.bus_write(0x30, 4, r.get("AHB1ENR") | 0b11)          # GPIOA, GPIOB clocks
    r.bus_write(0x44, 4, 1 << 4)                            # USART1EN
    a, b = m.gpioa, m.gpiob
    a.bus_write(0x00, 4, a.get("MODER") & ~(3 << 20) | 2 << 20)   # PA10 AF7: the ROM bootloader's RX,
    a.bus_write(0x24, 4, 7 << 8)                                  # not wired to the ST-LINK
    u.bus_write(0x0C, 4, 139)                               # 115200 from HSI 16 MHz
    u.bus_write(0x00, 4, 0b1101)                            # UE, RE, TE
    chan.send(b"x")
    m.clock.advance_to(m.clock.now + 10**9)
    u.bus_read(0x1C, 4)
    m.clock.advance_to(m.clock.now + 10**9)
    assert not u.bus_read(0x1C, 4) & 1 << 5
    assert u.lost and "RX pin not in its alternate function" in u.lost[-1][2]
    b.bus_write(0x00, 4, b.get("MODER") & ~(3 << 14) | 2 << 14)   # PB7 AF7: the VCP
    b.bus_write(0x20, 4, 7 << 28)
    chan.send(b"y")
    u.bus_read(0x1C, 4)
    m.clock.advance_to(m.clock.now + 10**9)
    assert u.bus_read(0x1C, 4) & 1 << 5 and u.bus_read(0x24, 4) == ord("y")


def test_write_protection_follows_programmed_option_bytes_and_survives_reset(tmp_path):
    m = build("f746", state_dir=str(tmp_path))
    f = m.flash_ctl
    f.bus_write(0x08, 4, 0x08192A3B)
    f.bus_write(0x08, 4, 0x4C5D6E7F)
    f.bus_write(0x14, 4, f.get("OPTCR") & ~(1 << 23))      # nWRP7 = 0, not launched yet
    assert not f.protected(7)
    f.bus_write(0x14, 4, f.get("OPTCR") | 2)               # OPTSTRT
    m.clock.advance_to(m.clock.now + 10**10)
    assert f.protected(7)
    assert m.read(0x1FFF_0008, 4) == (0x3F80_C07F).to_bytes(4, "little")   # OPTCR[31:16] and its complement
    m.reset()
    assert f.protected(7) and f.get("OPTCR", "OPTLOCK") == 1
    m.close()
    m = build("f746", state_dir=str(tmp_path))
    assert m.flash_ctl.protected(7) and not m.flash_ctl.protected(6)
    m.close()


def test_mapped_reads_beyond_fsize_fault_with_the_reason():
    m = build("f746")
    q = qspi_on(m)
    q.bus_write(0x04, 4, 19 << 16)                        # FSIZE=19: 1 MB
    q.bus_write(0x14, 4, ccr(3, 1, 1, 1, 0, 0x03))
    m.write(0x2000_0000, bytes.fromhex("0868" "00be"))     # ldr r0, [r1]; bkpt
    from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R1
    m.uc.reg_write(UC_ARM_REG_R1, 0x9010_0000)
    m.uc.reg_write(UC_ARM_REG_PC, 0x2000_0001)
    res = m.run(timeout_s=5)
    assert res.reason == "fault" and "beyond the flash size set by QUADSPI DCR.FSIZE" in res.fault_report.format()


def test_quadspi_needs_the_boards_pins_in_their_alternate_function():
    """A QUADSPI set up without routing a pin reaches no device: the JEDEC ID reads as floating lines and
    the simulator's note names the pin, as the OCTOSPI model does (a loader with the wrong pins fails here
    as it would on the board)."""
    m = build("f746")
    route(m, m.board.nor.pins, skip=("IO1",))
    q = qspi_on(m, pins=False)
    assert _read(q, 0x9F, 3) == b"\xff\xff\xff"
    assert any("IO1 PD12 is input, needs AF9" in n for n in q.trace), q.trace[-3:]
    route(m, m.board.nor.pins)
    assert _read(q, 0x9F, 3) == b"\x20\xba\x18"            # N25Q128A: Micron, 3 V, 128 Mbit
