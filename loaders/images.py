"""External loaders (.stldr) built by `doit loaders` (docs/external-loader-abi.md; issue 5).

Each loader is the same driver sources the bootloader uses (firmware/drivers/<family>/, the board wiring from firmware/boards/<board>/) plus a thin front end
(loaders/<board>/loader.c) and a StorageInfo generated from the board description.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "firmware"))
import cpu  # noqa: E402  firmware/cpu.py

sys.path.pop(0)
PY = os.environ.get("PYTHON") or sys.executable

H7_DRIVERS = ["firmware/drivers/h7/" + f for f in ("octospi.c", "ospim.c", "mx25lm.c", "clock.c", "gpio.c")] + \
    ["firmware/boards/h735/mx25lm_h735dk.c"]
F7_DRIVERS = ["firmware/drivers/f7/" + f for f in ("qspi.c", "qnor.c", "sysclk.c", "pins.c")] + \
    ["firmware/boards/f746/wiring.c"]

# board, memory in the board description, part name shown in STM32CubeProgrammer, driver sources.
# The F746G-DISCO loader serves both NOR parts fitted across board revisions (it reads the JEDEC ID).
LOADERS = [
    dict(board="h735", memory="nor", part="MX25LM51245G", front="loaders/h735/loader.c",
         ldscript="loaders/h735/loader.ld", stldr="MX25LM51245G_STM32H735G-DK-stm32boot", drivers=H7_DRIVERS),
    dict(board="f746", memory="nor", part="N25Q128A-W25Q128JV", front="loaders/f746/loader.c",
         ldscript="loaders/f746/loader.ld", stldr="N25Q128A-W25Q128JV_STM32F746G-DISCO-stm32boot",
         drivers=F7_DRIVERS),
]


def _storage_info(ld):
    return f"build/gen/loaders/{ld['board']}/storage_info.c"


IMAGES = [
    dict(
        name=f"{ld['board']}-{ld['memory']}",
        sources=[ld["front"], "loaders/common/window.c"] + ld["drivers"] + [_storage_info(ld)],
        cpu=cpu.BOARDS[ld["board"]],
        ldscript=ld["ldscript"],
        out=f"build/loaders/{ld['stldr']}.stldr",
        includes=["firmware", "."],
        defines={},
        cflags=[],
        ldflags=[],
        bin=False,
        generated=[_storage_info(ld)],
    )
    for ld in LOADERS
]


def TASKS():
    for ld in LOADERS:
        out = _storage_info(ld)
        yield {
            "basename": "loaders",
            "name": f"{ld['board']}-{ld['memory']}:storage_info",
            "actions": [f"{PY} loaders/gen_storage_info.py {ld['board']} {ld['memory']} {ld['part']} {out}"],
            "file_dep": ["loaders/gen_storage_info.py", f"host/stm32boot/boards/{ld['board']}.py",
                         "host/stm32boot/boards/model.py"],
            "targets": [out],
            "clean": True,
        }
