"""cffi build script for stm32boot._regs: every integer macro of the Cortex-M7 core headers
(firmware/regs/*.h), of the IPs the STM32 families share (firmware/regs/stm32/*.h) and of the H7 family's
(firmware/regs/stm32h7/*.h), as the C compiler sees it.

The register headers are the one source of truth for firmware and simulator; tests/test_regs_match.py checks
each model's declared offsets and fields against these values (ffibuild.regs_builder collects the macros).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import REGS, build, regs_builder  # noqa: E402

MODULE = "stm32boot._regs"

ffibuilder = regs_builder(MODULE, [REGS, os.path.join(REGS, "stm32"), os.path.join(REGS, "stm32h7")])

if __name__ == "__main__":
    build(ffibuilder, MODULE)
