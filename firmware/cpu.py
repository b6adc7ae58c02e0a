"""gcc CPU flags per board: core, FPU variant, float ABI. The image descriptions (firmware/images.py,
loaders/images.py, tests/firmware/*/images.py) put them in each image's `cpu`; dodo.py passes them to
the compiler and the linker."""
# STM32H735: Cortex-M7 with the double-precision FPU, FPv5-D16 (DS13315 §3.3).
H7 = ["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"]
# STM32F746: Cortex-M7 with the single-precision FPU, FPv5-SP-D16 (DS10916 §3.1).
F7 = ["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-sp-d16", "-mfloat-abi=hard"]

BOARDS = {"h735": H7, "f746": F7}
