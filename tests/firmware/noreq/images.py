"""The H735 demo application with its bootloader request left out: blreq_deaf.c stands in for
firmware/app/blreq.c and never recognises the host's HELLO, as an application that does not link the
request module. Only a reset brings such a board back into the bootloader (`--before reset`, or the
RESET button). Built from the demo's own description in firmware/images.py, so it follows the demo."""
import importlib.util
import os

_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
_spec = importlib.util.spec_from_file_location("_fw_images_for_noreq", os.path.join(_ROOT, "firmware", "images.py"))
_fw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fw)

_demo = next(img for img in _fw.IMAGES if img["name"] == "h735-demo")
assert "firmware/app/blreq.c" in _demo["sources"], "the H735 demo no longer links firmware/app/blreq.c"
IMAGES = [dict(_demo, name="h735-demo-noreq", out="build/testfw/noreq/demo_noreq.elf",
               sources=[("tests/firmware/noreq/blreq_deaf.c" if s == "firmware/app/blreq.c" else s)
                        for s in _demo["sources"]])]
