"""Simulator-fidelity test firmware and loaders (issue 16): code written the way vendor code is, which
the models must treat as silicon does. Aggregated by tests/firmware/images.py."""
_FW = ["tests/firmware/fidelity/fid_flash.c"]
IMAGES = [
    dict(name="fid_fw", sources=_FW, ldscript="tests/firmware/fidelity/fid.ld",
         out="build/testfw/fidelity/fid_fw.elf", includes=["tests/firmware/ospi"],
         ldflags=["-nostdlib"], libs=["-lgcc"]),
]
