"""Shared by tests/test_sim_ospi*.py, test_sim_fidelity.py and tests/test_loader_*.py: build a test-firmware
group with the build graph's own flags and return the ELF paths (and, for firmware called function by
function, its symbols).

`doit testfw` builds every test firmware once the aggregator (tests/firmware/images.py) lists our
subfolders; until then (or to build just one group) the same task definitions from dodo.py are run
here directly, so the flags are exactly the build graph's.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _dodo():
    spec = importlib.util.spec_from_file_location("_dodo_for_tests", os.path.join(ROOT, "dodo.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_group(images_py: str) -> dict[str, str]:
    """Build tests/firmware/<x>/images.py; returns {image name: absolute ELF path}."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        dodo = _dodo()
        dodo.RELEASE = False  # get_var() has no command line outside doit
        mod = dodo._load(images_py)
        for task in dodo._image_tasks("testfw", images_py):
            if "actions" not in task:
                continue
            if all(os.path.exists(t) for t in task["targets"]) and all(
                    os.path.getmtime(d) <= min(os.path.getmtime(t) for t in task["targets"])
                    for d in task["file_dep"] + [images_py]):
                continue
            for a in task["actions"]:
                if isinstance(a, tuple):
                    a[0](*a[1], **a[2])
                else:
                    r = subprocess.run(a, shell=True, capture_output=True, text=True)
                    assert r.returncode == 0, f"build step failed: {a}\n{r.stdout}\n{r.stderr}"
        return {img["name"]: os.path.join(ROOT, img["out"]) for img in mod.IMAGES}
    finally:
        os.chdir(cwd)


def build_with_symbols(images_py: str, name: str) -> tuple[str, dict[str, int]]:
    """Build the group, then return image `name`'s ELF path and {symbol: address}, to call its functions."""
    from elftools.elf.elffile import ELFFile
    path = build_group(images_py)[name]
    with open(path, "rb") as f:
        syms = {s.name: s["st_value"] for s in ELFFile(f).get_section_by_name(".symtab").iter_symbols()}
    return path, syms
