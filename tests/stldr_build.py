"""Shared by tests/test_stldr*.py: build the external loader (incrementally) and locate it."""
from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STLDR = os.path.join(ROOT, "build", "loaders", "MX25LM51245G_STM32H735G-DK-stm32boot.stldr")


def build_loader() -> str:
    r = subprocess.run([sys.executable, "-m", "doit", "loaders"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"`doit loaders` failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    assert os.path.exists(STLDR), f"`doit loaders` did not produce {STLDR}"
    return STLDR
