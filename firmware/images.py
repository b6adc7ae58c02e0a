"""Firmware images (dodo.py reads this): the bootloader and the demo application per board."""
import sys

CORE = ["firmware/core/frame.c", "firmware/core/bl.c", "native/crc32.c"]
DRIVERS = ["firmware/drivers/" + f for f in ("clock.c", "gpio.c", "usart.c", "flash.c", "octospi.c", "ospim.c",
                                              "mx25lm.c", "mx25lm_h735dk.c", "uart_dma.c")]
H735 = "firmware/boards/h735/"
TABLE = "build/gen/h735/demo_table.c"
TABLE_SIZE, TABLE_SEED = 128 * 1024, 735

IMAGES = [
    dict(name="h735-bootloader",
         sources=CORE + DRIVERS + ["firmware/port/h735/startup.c"] +
         [H735 + f for f in ("main.c", "board.c", "iflash.c", "nor.c", "updater.c", "ident.c")],
         ldscript=H735 + "bootloader.ld", out="build/firmware/h735/bootloader.elf",
         includes=["firmware/core", H735], bin=True),
    dict(name="h735-demo",
         sources=["firmware/port/h735/startup.c", "native/crc32.c", "firmware/drivers/clock.c",
                  "firmware/drivers/gpio.c", "firmware/drivers/usart.c", H735 + "demo/main.c", TABLE],
         ldscript=H735 + "demo/demo.ld", out="build/firmware/h735/demo.elf",
         includes=[H735], generated=[TABLE]),
]

FLASH_IMAGES = {"h735": "build/firmware/h735/demo.elf"}
BOOTLOADER_IMAGES = {"h735": "build/firmware/h735/bootloader.elf"}


def TASKS():
    gen = H735 + "demo/gen_table.py"
    yield {
        "basename": "firmware", "name": "h735-demo-table",
        "actions": [f"mkdir -p build/gen/h735 && {sys.executable} {gen} {TABLE} {TABLE_SIZE} {TABLE_SEED}"],
        "file_dep": [gen], "targets": [TABLE], "clean": True,
    }
