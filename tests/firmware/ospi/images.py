"""OCTOSPI-side simulator test firmwares (D). Aggregated by tests/firmware/images.py."""
IMAGES = [
    dict(name="ospi_fw", sources=["tests/firmware/ospi/ospi_fw.c", "tests/firmware/ospi/nor_min.c"],
         ldscript="tests/firmware/ospi/ospi.ld", out="build/testfw/ospi/ospi_fw.elf", ldflags=["-nostdlib"], libs=["-lgcc"]),
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
