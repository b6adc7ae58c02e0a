"""Deliberately broken external loaders (and their correct twin) for tests/test_loader_harness*.py."""
_SRC = ["tests/firmware/badloaders/testloader.c", "tests/firmware/ospi/nor_min.c"]
_VARIANTS = {
    "good": {},
    "bad_dummy": {"MM_DCYC": "5u"},
    "bad_ospim": {"BUG_OSPIM": None},
    "bad_bss": {"BUG_BSS": None},
    "bad_stack": {"BUG_STACK": None},
    "bad_stray": {"BUG_STRAY": None},
}
IMAGES = [
    dict(name=f"loader_{v}", sources=_SRC, ldscript="tests/firmware/badloaders/testloader.ld",
         out=f"build/testfw/badloaders/loader_{v}.stldr", includes=["tests/firmware/ospi"],
         defines={"LOADER_NAME": f'"test_{v}"', **d}, ldflags=["-nostdlib"], libs=["-lgcc"])
    for v, d in _VARIANTS.items()
]


def _h7_cpu(images):
    """These firmwares run on the simulated H735: its CPU flags (firmware/cpu.py) for every image."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "firmware"))
    try:
        import cpu
    finally:
        sys.path.pop(0)
    return [dict({"cpu": cpu.H7}, **img) for img in images]


IMAGES = _h7_cpu(IMAGES)
