"""Simulator core, proven from the firmware side: tests/firmware/core runs one scenario per boot
(core.h) and the tests check what a user of the simulator observes."""
import os
import struct
import subprocess
import sys

import pytest

from stm32boot.sim.board import build as sim_build
from stm32boot.sim.clock import PS_PER_S
from stm32boot.sim.regs import UnmodelledAccess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELF = os.path.join(ROOT, "build", "testfw", "core", "core.elf")
SC = dict(RETURN=0, BAD_READ=1, UDF=2, SYSTICK_POLL=3, DWT=4, WFI_TICKS=5, WFI_HANG=6, UNMODELLED=7,
          VTOR_SVC=8, RESET=9, CRC=10, CACHE=11, BKPT_IMM=12, POLL_DEAD=13)


@pytest.fixture(scope="session")
def elf():
    if not os.path.exists(ELF):
        subprocess.run([sys.executable, "-m", "doit", "testfw"], cwd=ROOT, check=False,
                       capture_output=True)
    assert os.path.exists(ELF), f"{ELF} missing: run `doit testfw` (needs tests/firmware/images.py)"
    return ELF


def boot(elf, scenario, arg=0, strict=True, **kw):
    m = sim_build("h735", strict=strict, **kw)
    loaded = m.load_elf(elf)
    m.write(0x3880_0000, struct.pack("<II", SC[scenario], arg))
    m.reset()
    return m, loaded


def test_reset_takes_msp_and_pc_from_the_vector_table(elf):
    m, loaded = boot(elf, "RETURN")
    sp, pc = struct.unpack("<II", m.read(0x0800_0000, 8))
    assert sp == loaded.symbols["_estack"]
    assert pc & ~1 == loaded.symbols["Reset_Handler"] & ~1
    assert m.pc() == pc & ~1
    assert m.scb.get("VTOR") == 0x0800_0000


def test_main_returning_is_a_bkpt_stop_with_its_value(elf):
    m, _ = boot(elf, "RETURN")
    res = m.run(timeout_s=10)
    assert res.reason == "bkpt" and res.bkpt == 0
    assert res.r0 == 42
    assert res.instructions > 0 and res.virtual_s > 0


def test_bkpt_immediate_is_reported(elf):
    m, _ = boot(elf, "BKPT_IMM")
    res = m.run(timeout_s=10)
    assert (res.reason, res.bkpt) == ("bkpt", 0x42)
    assert m.read(res.pc, 2) == b"\x42\xbe"


def test_bad_read_gives_a_decoded_bus_fault_with_bfar_and_stacked_frame(elf):
    m, loaded = boot(elf, "BAD_READ")
    res = m.run(timeout_s=10)
    assert res.reason == "fault"
    rep = res.fault_report
    assert rep.summary.startswith("HardFault: FORCED; BusFault PRECISERR at BFAR=0x90000000")
    # The SCB holds what a HardFault handler would read on silicon (PM0253, fault status registers).
    assert m.scb.get("HFSR") == 1 << 30
    assert m.scb.get("CFSR") == (1 << 9) | (1 << 15)
    assert m.scb.get("BFAR") == 0x9000_0000
    # The frame is really on the stack: 8 words below the faulting SP, PC = the faulting load.
    words = struct.unpack("<8I", m.read(rep.frame_addr, 32))
    assert words[6] == rep.pc == res.pc
    assert rep.frame_addr == (rep.sp - 32) & ~7
    assert loaded.symbols["run_scenario"] <= rep.pc < loaded.symbols["run_scenario"] + 0x400
    text = rep.format()
    for word in ("PRECISERR", "BFARVALID", "FORCED", "stacked frame", "LR=0x", "xPSR=0x"):
        assert word in text


def test_undefined_instruction_is_usagefault_escalated_to_hardfault(elf):
    m, _ = boot(elf, "UDF")
    res = m.run(timeout_s=10)
    assert res.reason == "fault"
    assert res.fault_report.summary.startswith("HardFault: FORCED; UsageFault UNDEFINSTR")
    assert m.read(res.pc, 2) == b"\x07\xde"          # udf #7
    assert m.scb.get("CFSR") == 1 << 16


def test_enabled_usagefault_is_not_escalated(elf):
    m, _ = boot(elf, "UDF")
    m.scb.set("SHCSR", 1 << 18)
    res = m.run(timeout_s=10)
    assert res.fault_report.kind == "UsageFault" and m.scb.get("HFSR") == 0


def test_vector_policy_enters_the_firmware_hardfault_handler(elf):
    m, loaded = boot(elf, "UDF", fault_policy="vector")
    res = m.run(timeout_s=10, max_virtual_s=0.001)
    # Default_Handler spins; the run ends on the virtual-time limit inside it, in handler mode.
    assert res.reason == "virtual"
    assert loaded.symbols["Default_Handler"] & ~1 <= res.pc < (loaded.symbols["Default_Handler"] & ~1) + 8
    assert m.uc.reg_read(114) & 0x1FF == 3             # IPSR = HardFault


def test_systick_countflag_follows_the_virtual_clock(elf):
    m, _ = boot(elf, "SYSTICK_POLL", arg=25)
    res = m.run(timeout_s=10)
    assert (res.reason, res.r0) == ("bkpt", 25)
    # 25 periods of 64000 cycles at the 64 MHz reset clock = 25 ms (+ a few microseconds of code).
    assert 0.025 <= res.virtual_s < 0.0251


def test_systick_interrupts_wake_wfi_and_the_handler_runs(elf):
    m, _ = boot(elf, "WFI_TICKS", arg=20)
    res = m.run(timeout_s=10)
    assert (res.reason, res.r0) == ("bkpt", 20)
    assert 0.020 <= res.virtual_s < 0.0201
    assert res.instructions < 5000          # WFI warped: no busy loop was emulated


def test_wfi_with_nothing_pending_is_reported_not_hung(elf):
    m, _ = boot(elf, "WFI_HANG")
    res = m.run(timeout_s=10)
    assert res.reason == "hang"
    assert "WFI" in res.detail


def test_dwt_cyccnt_counts_virtual_cycles(elf):
    m, _ = boot(elf, "DWT", arg=2000)
    res = m.run(timeout_s=10)
    t0, t1 = struct.unpack("<II", m.read(0x3880_0008, 8))
    assert res.r0 == t1 - t0
    # The loop costs several instructions per iteration at CPI 1 and fits in the run's virtual time.
    assert 2000 * 4 < res.r0 < 2000 * 20
    assert res.r0 / 64e6 <= res.virtual_s


def test_unmodelled_register_is_an_error_in_strict_mode_naming_address_and_pc(elf):
    m, loaded = boot(elf, "UNMODELLED")
    with pytest.raises(UnmodelledAccess) as e:
        m.run(timeout_s=10)
    msg = str(e.value)
    assert "32-bit read of 0x40000000" in msg
    pc = int(msg.split("PC=0x")[1][:8], 16)
    assert loaded.symbols["run_scenario"] <= pc < loaded.symbols["run_scenario"] + 0x400


def test_unmodelled_register_is_a_warning_by_default(elf):
    warnings = []
    m, _ = boot(elf, "UNMODELLED", strict=False, warn=warnings.append)
    res = m.run(timeout_s=10)
    assert (res.reason, res.r0) == ("bkpt", 0)
    assert len(warnings) == 1 and "0x40000000" in warnings[0] and "PC=0x08" in warnings[0]


def test_unmodelled_offset_of_a_known_peripheral_names_it(elf):
    m, _ = boot(elf, "RETURN")
    with pytest.raises(UnmodelledAccess, match=r"SCB\+0x040"):
        m._read(0xE000_ED40, 4)


def test_vtor_is_honoured_for_exceptions(elf):
    m, _ = boot(elf, "VTOR_SVC")
    res = m.run(timeout_s=10)
    assert (res.reason, res.r0) == ("bkpt", 0x5AC)
    assert 0x2000_0000 <= m.scb.get("VTOR") < 0x2002_0000


def test_sysresetreq_resets_the_machine(elf):
    m, _ = boot(elf, "RESET", arg=3)
    res = m.run(timeout_s=10)
    assert (res.reason, res.r0) == ("bkpt", 3)


def test_cache_maintenance_by_set_way_terminates_with_real_geometry(elf):
    m, _ = boot(elf, "CACHE")
    res = m.run(timeout_s=10)
    assert (res.reason, res.r0) == ("bkpt", 256 * 4)   # 32 KB, 4 ways, 32-byte lines


def test_crc_loop_result_matches_host(elf):
    import zlib
    m, _ = boot(elf, "CRC", arg=4096)
    res = m.run(timeout_s=10)
    assert res.reason == "bkpt"
    assert res.r0 == zlib.crc32(m.read(0x0800_0000, 4096))


def test_instruction_count_is_exact_across_slices(elf):
    """The same work costs the same instructions however often the run is sliced by events."""
    m1, _ = boot(elf, "CRC", arg=1024)
    whole = m1.run(timeout_s=10)
    m2, _ = boot(elf, "CRC", arg=1024)
    for i in range(1, 200):
        m2.clock.after(i * PS_PER_S // 1_000_000, lambda: None)  # an event every microsecond
    sliced = m2.run(timeout_s=10)
    assert whole.r0 == sliced.r0
    assert whole.instructions == sliced.instructions


def test_call_runs_a_guest_function_until_the_stub(elf):
    m, loaded = boot(elf, "RETURN")
    stub = 0x2400_0000
    m.write(stub, b"\x00\xbe")                      # BKPT #0 as the return trap
    res = m.call(loaded.symbols["run_scenario"], (SC["CACHE"], 0), lr_stub=stub, sp=0x2001_0000)
    assert res.reason == "until" and res.pc == stub
    assert res.r0 == 1024


def test_ram_window_answers_then_faults_when_protected(elf):
    from unicorn import UC_PROT_NONE, UC_PROT_READ
    win = 0x6000_0000                                # FMC bank: nothing else there on this board
    m, _ = boot(elf, "BAD_READ", arg=win)
    buf = bytearray(b"\xff" * 0x10000)
    buf[0:4] = struct.pack("<I", 0xC0FFEE)
    m.map_ram_window(win, len(buf), buf, UC_PROT_READ)
    assert m.run(timeout_s=10).r0 == 0xC0FFEE

    m2, _ = boot(elf, "BAD_READ", arg=win)
    m2.map_ram_window(win, len(buf), buf, UC_PROT_READ)
    m2.uc.mem_protect(win, len(buf), UC_PROT_NONE)
    m2.add_fault_explainer(lambda a, k: "window switched off" if a >> 28 == 6 else None)
    res = m2.run(timeout_s=10)
    assert res.reason == "fault"
    assert "PRECISERR at BFAR=0x60000000 (window switched off)" in res.fault_report.summary


def test_polling_a_register_that_can_never_change_is_reported_as_a_hang(elf):
    m, _ = boot(elf, "POLL_DEAD")
    m.hang_polls = 1000
    res = m.run(timeout_s=10)
    assert res.reason == "hang"
    assert "firmware polls SYST.CSR (value 0x0)" in res.detail


def test_host_condition_stops_the_run_while_the_guest_polls(elf):
    m, _ = boot(elf, "SYSTICK_POLL", arg=25)
    res = m.run(timeout_s=10, until=lambda: m.clock.seconds >= 0.005)
    assert res.reason == "until"
    assert 0.005 <= res.virtual_s < 0.0051
    assert m.run(timeout_s=10).r0 == 25          # and the run resumes where it stopped


def test_without_the_native_hook_the_count_slicing_fallback_still_runs(elf, monkeypatch):
    from stm32boot.sim import vclock
    monkeypatch.setattr(vclock, "lib", None)
    m, _ = boot(elf, "SYSTICK_POLL", arg=5)
    assert not vclock.is_native(m.vc)
    res = m.run(timeout_s=10)
    assert (res.reason, res.r0) == ("bkpt", 5)
    assert 0.005 <= res.virtual_s < 0.0055      # approximate to one 10k-instruction slice
