"""Firmware images (dodo.py reads this): the bootloader and the demo application per board."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpu  # noqa: E402  firmware/cpu.py

sys.path.pop(0)

CORE = ["firmware/core/" + f for f in ("frame.c", "bl.c", "memcmd.c", "devq.c", "update.c", "apprec.c", "boot.c",
                                       "rxidle.c")] + \
    ["native/crc32.c"] + \
    ["firmware/core/zwrite.c", "native/inflate.c"]   # CMD_WRITE_Z
H7_DRIVERS = "firmware/drivers/h7/"
# Drivers of the IPs the F7 and H7 families share (firmware/drivers/stm32/): each family's uart_dma.c completes them;
# uart_console.c is the bootloader's console on them (core/port.h), with the board's wiring.
SHARED_DRIVERS = ["firmware/drivers/stm32/" + f for f in ("uart_rx_ring.c", "uart_console.c")]
DRIVERS = [H7_DRIVERS + f for f in ("clock.c", "gpio.c", "usart.c", "flash.c", "octospi.c", "ospim.c", "mx25lm.c",
                                    "uart_dma.c", "crcunit.c")] + SHARED_DRIVERS
H735 = "firmware/boards/h735/"
TABLE = "build/gen/h735/demo_table.c"
TABLE_SEED, F746_TABLE_SEED = 735, 746   # the check block of the NOR table (firmware/app/gen_table.py)

IMAGES = [
    dict(name="h735-bootloader",
         sources=CORE + DRIVERS + ["firmware/boards/h735/startup.c"] +
         [H735 + f for f in ("main.c", "board.c", "clocks.c", "iflash.c", "nor.c", "mx25lm_h735dk.c", "updater.c",
                            "frames.c", "ident.c")],
         ldscript=H735 + "bootloader.ld", out="build/firmware/h735/bootloader.elf", cpu=cpu.H7,
         includes=["firmware/core", "firmware", H735], bin=True),
    dict(name="h735-demo",
         sources=["firmware/boards/h735/startup.c", "native/crc32.c", H7_DRIVERS + "clock.c",
                  H7_DRIVERS + "gpio.c", H7_DRIVERS + "usart.c", "firmware/app/blreq.c", "firmware/app/banner.c",
                  H735 + "clocks.c", H735 + "demo/main.c", TABLE],
         ldscript=H735 + "demo/demo.ld", out="build/firmware/h735/demo.elf", cpu=cpu.H7,
         includes=[H735, "firmware", "firmware/app", "firmware/core"], generated=[TABLE]),
]

F746 = "firmware/boards/f746/"
F746_TABLE = "build/gen/f746/demo_table.c"
F7_DRIVERS = ["firmware/drivers/f7/" + f for f in ("flashctl.c", "qspi.c", "qnor.c", "sysclk.c", "pins.c", "uart.c",
                                                        "uart_dma.c")] + SHARED_DRIVERS
IMAGES += [
    dict(name="f746-bootloader",
         sources=CORE + F7_DRIVERS + [F746 + f for f in ("startup.c", "wiring.c", "board.c", "iflash.c", "nor.c",
                                                          "main.c", "updater.c", "ident.c", "frames.c")],
         ldscript=F746 + "bootloader.ld", out="build/firmware/f746/bootloader.elf", cpu=cpu.F7,
         includes=["firmware/core", "firmware", F746], bin=True),
    dict(name="f746-demo",
         sources=[F746 + "startup.c", F746 + "wiring.c", "native/crc32.c", "firmware/app/banner.c", "firmware/app/blreq.c",
                  F746 + "demo/main.c",
                  F746_TABLE] +
         ["firmware/drivers/f7/" + f for f in ("pins.c", "uart.c", "sysclk.c", "qspi.c")],
         ldscript=F746 + "demo/demo.ld", out="build/firmware/f746/demo.elf", cpu=cpu.F7,
         includes=["firmware", "firmware/app", "firmware/core", F746], generated=[F746_TABLE]),
]

FLASH_IMAGES = {"h735": "build/firmware/h735/demo.elf", "f746": "build/firmware/f746/demo.elf"}
BOOTLOADER_IMAGES = {"h735": "build/firmware/h735/bootloader.elf", "f746": "build/firmware/f746/bootloader.elf"}


def TASKS():
    gen = "firmware/app/gen_table.py"
    yield {
        "basename": "firmware", "name": "h735-demo-table",
        "actions": [f"mkdir -p build/gen/h735 && {sys.executable} {gen} {TABLE} {TABLE_SEED}"],
        "file_dep": [gen], "targets": [TABLE], "clean": True,
    }
    yield {
        "basename": "firmware", "name": "f746-demo-table",
        "actions": [f"mkdir -p build/gen/f746 && {sys.executable} {gen} {F746_TABLE} {F746_TABLE_SEED}"],
        "file_dep": [gen], "targets": [F746_TABLE], "clean": True,
    }


# --- release builds (`doit release board=h735`): into build/release/<board>/, never over the above ----
# The bootloader verifies what it starts (core/verify.c with native/ SHA-256 and Ed25519); the public key
# is generated from the signing key (`key=`, default keys/release.pem) into gen/release_key.c. The demo is
# linked 1 KB into its slot, after the MCUboot header the signer writes.
def RELEASE(board, out):
    if board != "h735":
        return None
    return dict(
        app="demo",
        key_c=f"{out}/gen/release_key.c",
        images=[
            dict(name="h735-bootloader",
                 sources=CORE + DRIVERS + ["firmware/boards/h735/startup.c"] +
                 [H735 + f for f in ("main.c", "board.c", "clocks.c", "iflash.c", "nor.c", "mx25lm_h735dk.c", "updater.c",
                                     "frames.c", "seccnt.c", "vb_hash.c", "ident.c")] +
                 [H7_DRIVERS + "hashunit.c"] +
                 ["firmware/core/verify.c", "native/sha256.c", "native/fe25519.c", "native/sc25519.c",
                  "native/ed25519.c", f"{out}/gen/release_key.c"],
                 ldscript=H735 + "bootloader_release.ld", out=f"{out}/bootloader.elf", cpu=cpu.H7,
                 includes=["firmware/core", "firmware", H735], defines={"STM32BOOT_RELEASE": "1"},
                 generated=[f"{out}/gen/release_key.c"], bin=True),
            dict(name="h735-demo",
                 sources=["firmware/boards/h735/startup.c", "native/crc32.c", H7_DRIVERS + "clock.c",
                          H7_DRIVERS + "gpio.c", H7_DRIVERS + "usart.c", "firmware/app/blreq.c",
                          "firmware/app/banner.c", H735 + "clocks.c", H735 + "demo/main.c", TABLE],
                 ldscript=H735 + "demo/demo_release.ld", out=f"{out}/demo.elf", cpu=cpu.H7,
                 ldflags=["-Wl,-n"],   # no page alignment: the ELF headers must not load below the payload
                 includes=[H735, "firmware", "firmware/app", "firmware/core"], generated=[TABLE]),
        ],
    )
