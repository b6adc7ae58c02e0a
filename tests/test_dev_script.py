"""`./dev` on a ready machine goes straight to doit without reinstalling anything."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_dev_on_a_ready_machine_only_runs_doit():
    r = subprocess.run(["sh", "./dev", "list"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "preparing" not in r.stderr and "installing" not in r.stderr
    assert "flash" in r.stdout and "test" in r.stdout


def test_dev_passes_its_arguments_to_doit():
    r = subprocess.run(["sh", "./dev", "help", "flash"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "build and flash the demo application" in r.stdout
