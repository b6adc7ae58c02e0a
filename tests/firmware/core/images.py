"""Test firmwares of the simulator core (B). Aggregated by tests/firmware/images.py."""
IMAGES = [
    dict(name="core", sources=["firmware/port/h735/startup.c", "tests/firmware/core/core.c",
                               "tests/firmware/core/scenarios.c"],
         ldscript="tests/firmware/core/core.ld", out="build/testfw/core/core.elf",
         includes=["tests/firmware/core"]),
]
