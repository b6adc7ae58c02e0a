"""Simulator-fidelity test firmware and loaders (issue 16): code written the way vendor code is, which
the models must treat as silicon does. Aggregated by tests/firmware/images.py."""
_FW = ["tests/firmware/fidelity/fid_flash.c", "tests/firmware/fidelity/fid_power.c",
       "tests/firmware/fidelity/fid_startup.c", "tests/firmware/fidelity/fid_dtr.c", "tests/firmware/ospi/nor_min.c"]
IMAGES = [
    dict(name="fid_fw", sources=_FW, ldscript="tests/firmware/fidelity/fid.ld",
         out="build/testfw/fidelity/fid_fw.elf", includes=["tests/firmware/ospi"],
         ldflags=["-nostdlib"], libs=["-lgcc"]),
]

_LD_SRC = ["tests/firmware/fidelity/vendor_loader.c", "tests/firmware/ospi/nor_min.c"]
_LOADERS = {
    "autopoll": {"WAIT_STYLE": "0", "SECTOR64": None},     # 64 KB sectors: block erase (0xDC) waits
    "rdsr": {"WAIT_STYLE": "1", "SECTOR64": None},
    "rdsr_tick": {"WAIT_STYLE": "2", "SECTOR64": None},
    "hal_init": {"HAL_INIT": None},
    "rcc_reset": {"RCC_RESET": None},
    "vos0": {"VOS0": None},
    "iar_bss": {"IAR_BSS": None},
    "wrong_pin": {"WRONG_PIN": None},
}
IMAGES += [
    dict(name=f"vendor_{v}", sources=_LD_SRC,
         ldscript="tests/firmware/fidelity/" + ("vendor_iar.ld" if v == "iar_bss" else "../badloaders/testloader.ld"),
         out=f"build/testfw/fidelity/vendor_{v}.stldr", includes=["tests/firmware/ospi"],
         defines={"LOADER_NAME": f'"vendor_{v}"', "NM_NO_PINS": None, **d}, ldflags=["-nostdlib"], libs=["-lgcc"])
    for v, d in _LOADERS.items()
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
