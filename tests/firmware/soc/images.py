"""SoC test firmware (C): clock bring-up, USART3 echo/overrun, internal-flash programming and errors,
all through the firmware/drivers the bootloader uses."""
DRIVERS = ["firmware/drivers/h7/" + f for f in ("clock.c", "gpio.c", "usart.c", "flash.c")]
IMAGES = [
    dict(name="soc", sources=["firmware/port/h735/startup.c", "tests/firmware/common/console.c", "tests/firmware/soc/soc.c",
                              "tests/firmware/soc/soc_flash.c"] + DRIVERS,
         ldscript="tests/firmware/soc/soc.ld", out="build/testfw/soc/soc.elf",
         includes=["firmware", "tests/firmware/soc", "tests/firmware/common"]),
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
