"""Test firmwares for the simulator (`doit testfw`): every tests/firmware/<name>/images.py contributes
its IMAGES (and TASKS), so each engineer keeps their firmwares in their own folder."""
import glob
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "firmware"))
import cpu  # noqa: E402  firmware/cpu.py

sys.path.pop(0)


def _sub_modules():
    for path in sorted(glob.glob(os.path.join(HERE, "*", "images.py"))):
        name = "_testfw_" + os.path.basename(os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        yield mod


_MODS = list(_sub_modules())
# A test firmware that names no `cpu` runs on the H735 (the first simulated board).
IMAGES = [dict({"cpu": cpu.H7}, **img) for mod in _MODS for img in getattr(mod, "IMAGES", [])]


def TASKS():
    for mod in _MODS:
        yield from getattr(mod, "TASKS", lambda: ())()
