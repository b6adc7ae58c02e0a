"""A minimal STM32CubeProgrammer stand-in for tests/test_stldr_run.py (docs/external-loader-abi.md §1-2,
§5): load the image segments, BKPT stub at 0x24000000, LR = stub|1, SP above the image, .bss
poisoned, call one function and return R0 (R0:R1 for Verify). D's loader harness does the full job
(`stm32boot loader-check`); this stays small so the loader's own tests can run the NOR model
directly."""
from __future__ import annotations

import struct

from elftools.elf.constants import P_FLAGS
from elftools.elf.elffile import ELFFile
from unicorn.arm_const import UC_ARM_REG_R0, UC_ARM_REG_R1

from stm32boot.sim.board import build as sim_build
from stm32boot.sim.devices.mx25lm import PROFILES
from stm32boot.sim.periph.ospi_board import add_ospi

RAM_BASE = 0x2400_0000
WINDOW = 0x9000_0000
POISON = 0xA5


class LoaderHost:
    def __init__(self, path: str, nor_profile: str = "typical"):
        self.m = sim_build("h735", warn=lambda *a: None)
        if not hasattr(self.m, "nor"):  # board wiring without the OCTOSPI side yet
            add_ospi(self.m)
        self.o1 = next(p for p in self.m.bus.peripherals if p.name == "OCTOSPI1")
        self.nor = self.m.nor
        self.nor.times = PROFILES[nor_profile]
        with open(path, "rb") as f:
            elf = ELFFile(f)
            self.syms = {s.name: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols()}
            self.segments = [(s["p_vaddr"], s.data(), s["p_memsz"]) for s in elf.iter_segments()
                             if s["p_type"] == "PT_LOAD" and s["p_flags"] & (P_FLAGS.PF_W | P_FLAGS.PF_X)]
        end = max(a + n for a, _, n in self.segments)
        self.sp = (end + 0x400 + 7) & ~7
        self.buffer = self.sp + 8
        self.reload()

    def reload(self) -> None:
        """What the programmer does before an operation group: rewrite the image and the stub."""
        for addr, data, memsz in self.segments:
            self.m.write(addr, data + bytes([POISON]) * (memsz - len(data)))
        self.m.write(RAM_BASE, struct.pack("<I", 0x0000BE00))

    def call(self, name: str, *args, timeout_s: float = 120.0) -> int:
        r = self.m.call(self.syms[name], args, lr_stub=RAM_BASE, sp=self.sp, timeout_s=timeout_s)
        assert r.reason == "until", f"{name}{tuple(hex(a) for a in args)} did not return to the stub: {r}"
        return self.m.uc.reg_read(UC_ARM_REG_R0)

    def call64(self, name: str, *args) -> tuple[int, int]:
        r0 = self.call(name, *args)
        return r0, self.m.uc.reg_read(UC_ARM_REG_R1)

    def write(self, addr: int, data: bytes, chunk: int) -> None:
        """Write(addr, size, buffer) per chunk, data staged in RAM after the stack like the host."""
        for off in range(0, len(data), chunk):
            part = data[off:off + chunk]
            self.m.write(self.buffer, part)
            assert self.call("Write", addr + off, len(part), self.buffer) == 1, f"Write at 0x{addr + off:08X}"

    def window(self, addr: int, n: int) -> bytes:
        """Read the memory-mapped window as the programmer does (faults if it is not mapped)."""
        return self.m.read(addr, n)
