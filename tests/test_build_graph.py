"""The doit build graph is incremental and correct: run the real dodo.py on a tiny project."""
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The ARM cross compiler is part of the set-up (./dev installs it): without it these tests fail.


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path):
    shutil.copy(os.path.join(ROOT, "dodo.py"), tmp_path / "dodo.py")
    _write(str(tmp_path / "firmware/regs/mmio.h"), "#define X 1\n")
    _write(str(tmp_path / "firmware/src/shared.h"), "#define ANSWER 42\n")
    _write(str(tmp_path / "firmware/src/a.c"), '#include "shared.h"\nint a(void) { return ANSWER; }\n')
    _write(str(tmp_path / "firmware/src/b.c"), "int a(void);\nint main(void) { return a(); }\n"
           "void Reset_Handler(void) { main(); for (;;) {} }\n")
    _write(str(tmp_path / "firmware/src/tiny.ld"), """
        ENTRY(Reset_Handler)
        MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 128K }
        SECTIONS { .text : { *(.text*) *(.rodata*) } > FLASH
                   /DISCARD/ : { *(.ARM.exidx*) } }
        """)
    _write(str(tmp_path / "firmware/images.py"), """
        IMAGES = [dict(name="tiny", sources=["firmware/src/a.c", "firmware/src/b.c"],
                       includes=["firmware/src"], ldscript="firmware/src/tiny.ld",
                       out="build/firmware/tiny.elf", libs=[],
                       cpu=["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16", "-mfloat-abi=hard"])]
        """)
    return tmp_path


def doit(project, *args):
    r = subprocess.run([sys.executable, "-m", "doit", *args], cwd=project, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    ran = re.findall(r"^\.  (\S+)", r.stdout, re.M)
    return [t for t in ran if ":" in t and not t.endswith(":")]  # subtasks that executed


def test_second_build_is_a_no_op_and_one_touched_file_rebuilds_one_object(project):
    first = doit(project, "firmware")
    assert sorted(first) == ["firmware:tiny", "firmware:tiny:a.c", "firmware:tiny:b.c"]
    assert os.path.exists(project / "build/firmware/tiny.elf")
    assert os.path.exists(project / "build/firmware/tiny.map")
    assert doit(project, "firmware") == []

    src = project / "firmware/src/b.c"
    src.write_text(src.read_text() + "int extra(void) { return 7; }\n")
    assert sorted(doit(project, "firmware")) == ["firmware:tiny", "firmware:tiny:b.c"]
    # A comment-only edit recompiles that file, but an identical object does not relink.
    src.write_text(src.read_text() + "/* comment */\n")
    assert doit(project, "firmware") == ["firmware:tiny:b.c"]


def test_a_header_change_rebuilds_the_objects_that_include_it(project):
    doit(project, "firmware")
    (project / "firmware/src/shared.h").write_text("#define ANSWER 43\n")
    assert sorted(doit(project, "firmware")) == ["firmware:tiny", "firmware:tiny:a.c"]


def test_a_flag_change_rebuilds_everything(project):
    doit(project, "firmware")
    assert sorted(doit(project, "firmware", "release=1")) == [
        "firmware:tiny", "firmware:tiny:a.c", "firmware:tiny:b.c"]


def test_doit_list_reads_like_a_menu(project):
    r = subprocess.run([sys.executable, "-m", "doit", "list"], cwd=project, capture_output=True, text=True)
    names = {line.split()[0] for line in r.stdout.splitlines() if line.strip()}
    assert {"native", "firmware", "loaders", "testfw", "flash", "flash-loader", "test", "bench"} <= names
    assert all(len(line.split(None, 1)) == 2 for line in r.stdout.splitlines() if line.strip())
