"""STM32F746 test firmware (C): clocks to 216 MHz, USART1 console (PA9/PB7, the ST-LINK VCP), the F7 flash
controller (unlock, uneven sector erase, program at every PSIZE, every error flag) and the QUADSPI NOR
(JEDEC ID, erase, page program, quad reads, automatic polling, memory-mapped reads), for either NOR part.

The F746 has the single-precision FPU (FPv5-SP-D16): `cpu` (firmware/cpu.py) is this image's setting. The
start-up is the board's (firmware/boards/f746/startup.c): with .text linked where it loads, it copies none."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "firmware"))
import cpu  # noqa: E402

sys.path.pop(0)
IMAGES = [
    dict(name="f746", sources=["firmware/boards/f746/startup.c", "tests/firmware/f746/f7_console.c",
                               "tests/firmware/f746/f7_main.c", "tests/firmware/f746/f7_flash.c",
                               "tests/firmware/f746/f7_qspi.c"],
         ldscript="tests/firmware/f746/f746.ld", out="build/testfw/f746/f746.elf",
         includes=["tests/firmware/f746"], cpu=cpu.F7),
]
