"""Test firmwares of the simulator core (B). Aggregated by tests/firmware/images.py."""
IMAGES = [
    dict(name="core", sources=["firmware/boards/h735/startup.c", "tests/firmware/core/core.c",
                               "tests/firmware/core/scenarios.c"],
         ldscript="tests/firmware/core/core.ld", out="build/testfw/core/core.elf",
         includes=["tests/firmware/core"]),
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
