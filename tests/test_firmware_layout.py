"""The firmware's layout rules hold (README "Adding a board"): register headers per chip family named
<block>_regs.h, no driver or board header sharing a register header's name (an #include never picks the
wrong one), the portable core and application code naming no board or chip, and what the families share
(regs/stm32/, drivers/stm32/) leaning on no family's files."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FW = os.path.join(ROOT, "firmware")


def _names(pattern):
    return {os.path.basename(p) for p in glob.glob(os.path.join(FW, pattern), recursive=True)}


def test_register_headers_are_per_family_and_named_regs():
    loose = _names("regs/*.h") - {"mmio.h", "scb_regs.h"}   # the Arm core's, shared by every family
    assert not loose, f"chip register headers go in firmware/regs/<family>/: {sorted(loose)}"
    families = sorted(d for d in os.listdir(os.path.join(FW, "regs")) if os.path.isdir(os.path.join(FW, "regs", d)))
    assert families
    for fam in families:
        for h in _names(f"regs/{fam}/*.h"):
            # <block>_regs.h, or the chip's memory map (stm32h735.h, stm32f746.h)
            assert h.endswith("_regs.h") or re.fullmatch(r"stm32[a-z]\d+\.h", h), f"regs/{fam}/{h}: name it <block>_regs.h"


def test_no_driver_or_board_header_shares_a_register_header_name():
    regs = _names("regs/**/*.h")
    others = _names("drivers/**/*.h") | _names("boards/**/*.h") | _names("core/**/*.h") | _names("app/**/*.h")
    assert not regs & others, sorted(regs & others)


def test_drivers_live_in_their_chip_family_folder():
    loose = [p for p in glob.glob(os.path.join(FW, "drivers", "*")) if os.path.isfile(p)]
    assert not loose, loose


def test_core_and_app_name_no_board_or_chip():
    pattern = re.compile(r"h735|f746|stm32h7|stm32f7|H735|F746", re.I)
    hits = []
    for path in glob.glob(os.path.join(FW, "core", "*.[ch]")) + glob.glob(os.path.join(FW, "app", "*.[ch]")):
        for n, line in enumerate(open(path), 1):
            if pattern.search(line):
                hits.append(f"{os.path.relpath(path, ROOT)}:{n}: {line.strip()}")
    assert not hits, "\n".join(hits)


SHARED = ("regs/stm32", "drivers/stm32")   # the IPs several families share: headers and drivers


def family_includes(path):
    """The #include lines of `path` that reach a family's folder (regs/stm32h7/, drivers/f7/, ...)."""
    pattern = re.compile(r'#\s*include\s*["<](?:\.\./)*(?:drivers/|regs/)?(stm32[a-z]\d|[a-z]\d)/')
    return [f"{os.path.relpath(path, ROOT)}:{n}: {line.strip()}" for n, line in enumerate(open(path), 1)
            if pattern.search(line)]


def test_what_the_families_share_includes_no_family_file():
    files = [p for d in SHARED for p in glob.glob(os.path.join(FW, d, "*.[ch]"))]
    assert any(p.endswith("uart_rx_ring.c") for p in files) and any(p.endswith("dma_stream_regs.h") for p in files)
    hits = [h for p in files for h in family_includes(p)]
    assert not hits, "a shared IP file includes a family's header:\n" + "\n".join(hits)


def test_a_family_header_of_a_shared_ip_includes_the_shared_one():
    """Where regs/stm32/ holds an IP, each family's header of that block takes the shared map from there
    instead of repeating it."""
    for shared, block in (("dma_stream_regs.h", "dma_regs.h"), ("usart_common_regs.h", "usart_regs.h")):
        for fam in ("stm32h7", "stm32f7"):
            text = open(os.path.join(FW, "regs", fam, block)).read()
            assert f'#include "../stm32/{shared}"' in text, f"regs/{fam}/{block}"
            assert "#define DMA_SxNDTR(n)" not in text and "#define USART_RDR " not in text, f"regs/{fam}/{block}"


def test_the_family_include_check_finds_what_it_looks_for(tmp_path):
    probe = tmp_path / "x.c"
    probe.write_text('#include "stm32h7/dma_regs.h"\n#include "../f7/uart.h"\n#include "drivers/h7/clock.h"\n'
                     '#include "stm32/dma_stream_regs.h"\n#include "mmio.h"\n')
    assert len(family_includes(str(probe))) == 3
