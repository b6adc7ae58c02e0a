"""cffi build script for stm32boot._regs_f7: every integer macro of firmware/regs/stm32f7/*.h (the F7 family's
register headers, kept apart because their names mean F7 offsets) and of the IPs the STM32 families share
(firmware/regs/stm32/*.h), as the C compiler sees it.

The register headers are the one source of truth for firmware and simulator; tests/test_regs_match_f7.py checks
the F7 models against these values (ffibuild.regs_builder collects the macros).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import REGS, build, regs_builder  # noqa: E402

MODULE = "stm32boot._regs_f7"

ffibuilder = regs_builder(MODULE, [os.path.join(REGS, "stm32"), os.path.join(REGS, "stm32f7")])

if __name__ == "__main__":
    build(ffibuilder, MODULE)
