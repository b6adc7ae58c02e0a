"""STM32F746 test firmware (C): clocks to 216 MHz, USART1 console (PA9/PB7, the ST-LINK VCP), the F7 flash
controller (unlock, uneven sector erase, program at every PSIZE, every error flag) and the QUADSPI NOR
(JEDEC ID, erase, page program, quad reads, automatic polling, memory-mapped reads), for either NOR part.

The F746 has the single-precision FPU (FPv5-SP-D16): CPU_FLAGS is this image's setting, passed to the
compiler and the linker (the last -mfpu wins over the project's default)."""
CPU_FLAGS = ["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"]
IMAGES = [
    dict(name="f746", sources=["tests/firmware/f746/f7_start.c", "tests/firmware/f746/f7_console.c",
                               "tests/firmware/f746/f7_main.c", "tests/firmware/f746/f7_flash.c",
                               "tests/firmware/f746/f7_qspi.c"],
         ldscript="tests/firmware/f746/f746.ld", out="build/testfw/f746/f746.elf",
         includes=["tests/firmware/f746"], cflags=CPU_FLAGS, ldflags=CPU_FLAGS),
]
