"""Issue 5's acceptance: `stm32boot loader-check` passes every check on the loader we build."""
from __future__ import annotations

import subprocess
import sys

from stldr_build import ROOT, build_loader


def test_loader_check_passes_every_check():
    path = build_loader()
    r = subprocess.run([sys.executable, "-m", "stm32boot", "loader-check", path, "--board", "h735"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = r.stdout + r.stderr
    assert r.returncode == 0, report
    lines = [l for l in report.splitlines() if l.startswith(("PASS", "FAIL"))]
    assert lines and all(l.startswith("PASS") for l in lines), report
    for check in ("init-twice", "init-recovers-nor", "sector-erase", "write-unaligned", "verify", "checksum"):
        assert any(check in l for l in lines), f"{check} not run:\n{report}"
