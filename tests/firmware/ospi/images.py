"""OCTOSPI-side simulator test firmwares (D). Aggregated by tests/firmware/images.py."""
IMAGES = [
    dict(name="ospi_fw", sources=["tests/firmware/ospi/ospi_fw.c", "tests/firmware/ospi/nor_min.c"],
         ldscript="tests/firmware/ospi/ospi.ld", out="build/testfw/ospi/ospi_fw.elf", ldflags=["-nostdlib"], libs=["-lgcc"]),
]
