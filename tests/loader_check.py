"""Shared by tests/test_loader_harness.py and test_loader_fidelity.py: run `stm32boot loader-check` in
process and read its report."""
from stm32boot.cli import main


def check(path, capsys, *extra):
    """`stm32boot loader-check PATH EXTRA...`: its exit status and what it printed."""
    rc = main(["loader-check", path, *extra])
    return rc, capsys.readouterr().out


def lines(out, status):
    """The names of the checks the report marks `status` (PASS, FAIL, N/A)."""
    return [ln.split()[1] for ln in out.splitlines() if ln.startswith(status)]
