"""Build graph. `doit list` is the menu; `doit` alone builds everything.

What gets built is data kept beside the sources:
  native/ffi_*.py          cffi extension modules (MODULE name + ffibuilder)       -> task `native`
  firmware/images.py       IMAGES: the bootloader and demo application per board  -> task `firmware`
  loaders/images.py        IMAGES: external loaders (.stldr)                      -> task `loaders`
  tests/firmware/images.py IMAGES: small firmwares that test the simulator        -> task `testfw`
  tests/bench/bench_*.py   benchmark scripts that print figures                   -> task `bench`
An images.py may also define TASKS(): extra doit tasks (generated sources, packaging).

Command-line variables (doit's own mechanism): board=NAME (host/stm32boot/boards/, default boards.DEFAULT)
port=/dev/ttyACM0 release=1 args="...",
via=rom (flash / flash-loader through ST's ROM bootloader),
key=keys/release.pem (the Ed25519 signing key of `doit release` / `doit keygen`).
"""
import glob
import importlib.util
import os
import shlex
import subprocess
import sys
import sysconfig

from doit import doit_cmd, get_var
from doit.tools import config_changed

ROOT = os.path.dirname(os.path.abspath(__file__))
try:
    from stm32boot import boards   # the board registry of the installed host tool (./dev installs it)
except ImportError:                # not installed yet: this checkout's
    sys.path.insert(0, os.path.join(ROOT, "host"))
    from stm32boot import boards
    sys.path.pop(0)

# Every command-line variable the tasks read. A misspelt one (`prot=`, `buad=`) would otherwise be
# ignored and the task would run against the simulated board: refuse it instead.
KNOWN_VARS = {
    "board": f"board description name: {', '.join(boards.names())} (default {boards.DEFAULT})",
    "port": "serial port of a real board; none: the simulated board",
    "ports": "several serial ports, comma-separated: `doit flash` flashes those boards in parallel",
    "key": "Ed25519 signing key of `doit release` / `doit keygen` (default keys/release.pem)",
    "via": "via=rom: through ST's ROM bootloader (BOOT0 high) instead of ours",
    "baud": "baud=N: link rate for flash / flash-loader, honoured exactly or refused (stm32boot --baud)",
    "before": "before=reset|dtr-reset|rts-reset|no-reset: how to reach the bootloader (docs/reset-lines.md)",
    "release": "release=1 builds with -DRELEASE=1",
    "args": "extra pytest options for `doit test`",
    "only": "benchmarks `doit bench` runs, comma-separated (only=link,read; default: all)",
}


def _check_vars():
    given = getattr(doit_cmd, "_CMDLINE_VARS", None) or {}
    unknown = sorted(set(given) - set(KNOWN_VARS))
    if unknown:
        import difflib
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, KNOWN_VARS, n=1)
            hints.append(f"{name}= (did you mean {close[0]}=?)" if close else f"{name}=")
        known = " ".join(f"{k}=" for k in sorted(KNOWN_VARS))
        sys.exit(f"doit: unknown variable {', '.join(hints)}; known: {known}")


_check_vars()
BUILD = "build"
PY = sys.executable
BOARD = get_var("board", boards.DEFAULT)
# One line, not a tool error about a missing image (None: dodo.py imported outside doit, by the tests).
if BOARD is not None and BOARD not in boards.names():
    sys.exit(f"doit: unknown board={BOARD}; known: {', '.join(boards.names())}")
BOARD_FILES = sorted(glob.glob("host/stm32boot/boards/*.py"))   # the registry (the host test port's stand-in)
PORT = get_var("port", "")
PORTS = [p for p in (get_var("ports", "") or "").split(",") if p]
BEFORE = get_var("before", "")
VIA = get_var("via", "")          # via=rom: through ST's ROM bootloader (BOOT0 high) instead of ours
RELEASE = get_var("release", "") not in ("", "0")
KEY = get_var("key", "keys/release.pem")
os.makedirs(BUILD, exist_ok=True)  # doit keeps its state in build/ too: `rm -rf build` is a full clean

DOIT_CONFIG = {
    "default_tasks": ["native", "firmware", "loaders", "testfw"],
    "verbosity": 2,
    "backend": "sqlite3",  # safe when two doit commands run at once (json/dbm files get corrupted)
    "dep_file": "build/.doit.sqlite3",
}

CROSS = "arm-none-eabi-"
# CPU flags (core, FPU variant, float ABI) are each image's own: its `cpu` entry (firmware/cpu.py).
CFLAGS = [
    "-Os", "-g3", "-std=c11", "-ffunction-sections", "-fdata-sections", "-ffreestanding",
    "-Wall", "-Wextra", "-Werror",
    # Reproducible objects: no absolute paths, no build dates. ROOT without a trailing slash, so the
    # checkout directory itself (DW_AT_comp_dir) maps too, not only the paths below it.
    f"-ffile-prefix-map={ROOT}=.", "-fno-common",
    "-Ifirmware/regs", "-Inative",
]
LDFLAGS = ["-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections",
                       "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments"]


def _toolchain_version():
    try:
        out = subprocess.run([CROSS + "gcc", "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0]
    except OSError:
        return "missing"


TOOLCHAIN = _toolchain_version()


def _load(path):
    """Import a data module (images.py / ffi_*.py) by path; None when it does not exist yet."""
    if not os.path.exists(path):
        return None
    name = "_dodo_" + path.replace("/", "_").replace(".", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.pop(0)
    return mod


def _parse_depfile(text):
    _, _, deps = text.replace("\\\n", " ").partition(":")
    first_rule = deps.split("\n", 1)[0]
    return [d for d in first_rule.split()[1:] if os.path.exists(d)]


def _headers(dep, gcc_cmd, src):
    """Headers the object depends on: from gcc's -MMD file of the last build, or, before the first
    build, from `gcc -MM` now, so the dependency list is the same on every run (a changing list
    would make doit rebuild an unchanged tree)."""
    try:
        return _parse_depfile(open(dep).read())
    except OSError:
        pass
    r = subprocess.run(gcc_cmd + ["-MM", src], capture_output=True, text=True)
    return _parse_depfile(r.stdout) if r.returncode == 0 else []


def _image_tasks(group, path):
    """One subtask per object (file_dep on source + reported headers) and one per link."""
    mod = _load(path)
    if mod is None:
        yield {"basename": group, "name": None, "doc": _GROUP_DOCS[group]}
        return
    yield {"basename": group, "name": None, "doc": _GROUP_DOCS[group]}
    yield from _build_images(group, mod.IMAGES, os.path.join(BUILD, "obj", group))
    for extra in getattr(mod, "TASKS", lambda: ())():
        yield extra


def _build_images(group, images, objroot):
    """Compile and link subtasks of `group` for a list of image dicts, objects under objroot/<name>/."""
    for img in images:
        name = img["name"]
        objdir = os.path.join(objroot, name)
        cpu = img.get("cpu")
        if not cpu:
            sys.exit(f"doit: {group}: image {name!r} has no 'cpu' flags (see firmware/cpu.py)")
        cflags = list(cpu) + CFLAGS + [f"-I{i}" for i in img.get("includes", ())] + \
            [f"-D{k}={v}" if v is not None else f"-D{k}" for k, v in img.get("defines", {}).items()] + \
            list(img.get("cflags", ()))
        if RELEASE:
            cflags.append("-DRELEASE=1")
        objs = []
        gen_deps = list(img.get("generated", ()))
        for src in img["sources"]:
            obj = os.path.join(objdir, src.replace("/", "__").rsplit(".", 1)[0] + ".o")
            dep = obj[:-2] + ".d"
            objs.append(obj)
            cmd = [CROSS + "gcc"] + cflags + ["-MMD", "-MP", "-c", src, "-o", obj]
            yield {
                "basename": group, "name": f"{name}:{os.path.basename(src)}",
                "actions": [(os.makedirs, [objdir], {"exist_ok": True}), shlex.join(cmd)],
                "file_dep": [src] + _headers(dep, [CROSS + "gcc"] + cflags, src) + gen_deps,
                "targets": [obj],
                "uptodate": [config_changed(" ".join(cmd) + TOOLCHAIN)],
                "clean": True,
            }
        elf = img["out"]
        mapf = os.path.splitext(elf)[0] + ".map"
        ld = [CROSS + "gcc"] + list(cpu) + LDFLAGS + list(img.get("ldflags", ())) + \
            ["-T", img["ldscript"], f"-Wl,-Map={mapf}"] + objs + ["-o", elf] + list(img.get("libs", ("-lc", "-lgcc")))
        actions = [(os.makedirs, [os.path.dirname(elf)], {"exist_ok": True}), shlex.join(ld)]
        targets = [elf, mapf]
        if img.get("bin"):
            binf = os.path.splitext(elf)[0] + ".bin"
            # Alignment gaps between sections as erased flash (0xFF), not objcopy's 0x00: the .bin then
            # holds exactly what programming the ELF leaves in the sector, and CRCs of the two agree.
            actions.append(shlex.join([CROSS + "objcopy", "-O", "binary", "--gap-fill", "0xff", elf, binf]))
            targets.append(binf)
        actions.append(shlex.join([CROSS + "size", "-A", "-d", elf]) + f" > {os.path.splitext(elf)[0]}.size")
        actions.append(shlex.join([CROSS + "size", elf]))
        yield {
            "basename": group, "name": name,
            "actions": actions,
            "file_dep": objs + [img["ldscript"]],
            "targets": targets,
            "uptodate": [config_changed(" ".join(str(a) for a in actions[1:]) + TOOLCHAIN)],
            "clean": True,
        }


_GROUP_DOCS = {
    "firmware": "cross-compile the bootloader and demo application for every board",
    "loaders": "cross-compile the STM32CubeProgrammer external loaders (.stldr)",
    "testfw": "cross-compile the small firmwares that test the simulator",
}


def task_native():
    """build the cffi native modules (CRC32, page packing, simulator clock hook)"""
    ext = sysconfig.get_config_var("EXT_SUFFIX")
    # Everything a cffi module may include or compile: shared C, register headers, the protocol core.
    csrc = sorted(glob.glob("native/*.[ch]") + glob.glob("firmware/regs/**/*.h", recursive=True) +
                  glob.glob("firmware/core/**/*.[ch]", recursive=True))
    yield {"basename": "native", "name": None, "doc": "build the cffi native modules (CRC32, page packing, simulator clock hook)"}
    for ffi in sorted(glob.glob("native/ffi_*.py")):
        mod = _load(ffi)
        target = os.path.join("host", *mod.MODULE.split(".")) + ext
        yield {
            "name": os.path.basename(ffi)[4:-3],
            "actions": [f"{shlex.quote(PY)} {ffi}"],
            "file_dep": [ffi, "native/ffibuild.py"] + csrc + BOARD_FILES,
            "targets": [target],
            "clean": True,
        }


def task_bytecode():
    """compile the host package to bytecode (every stm32boot run then skips compiling its modules)"""
    # Python writes no .pyc of its own where PYTHONDONTWRITEBYTECODE is set, but reads what is there: without
    # this each command compiles the whole host package again (about 0.1 s per run).
    return {
        "actions": [f"{shlex.quote(PY)} -m compileall -q host"],
        "file_dep": sorted(glob.glob("host/**/*.py", recursive=True)),
        "targets": [importlib.util.cache_from_source("host/stm32boot/__init__.py")],   # gone: compile again
    }


def task_firmware():
    """cross-compile the bootloader and demo application for every board"""
    yield from _image_tasks("firmware", "firmware/images.py")


def task_loaders():
    """cross-compile the STM32CubeProgrammer external loaders (.stldr)"""
    yield from _image_tasks("loaders", "loaders/images.py")


def task_testfw():
    """cross-compile the small firmwares that test the simulator"""
    yield from _image_tasks("testfw", "tests/firmware/images.py")


def _flash_image():
    mod = _load("firmware/images.py")
    return getattr(mod, "FLASH_IMAGES", {}).get(BOARD) if mod else None


BAUD = get_var("baud", "")


def _link_args():
    """Variables every board task passes to stm32boot the same way."""
    cmd = []
    if VIA:
        cmd += ["--via", VIA]
    if BEFORE:
        cmd += ["--before", BEFORE]
    if BAUD:
        cmd += ["--baud", BAUD]
    return cmd


def task_flash():
    """build and flash the demo application (board=NAME, port= for a real board; none: simulator)"""
    image = _flash_image()
    cmd = [PY, "-m", "stm32boot", "flash", "--board", BOARD]
    for p in ([PORT] if PORT else []) + PORTS:
        cmd += ["--port", p]
    cmd += _link_args()
    if image:
        cmd += list(image) if isinstance(image, (list, tuple)) else [image]
    return {
        "actions": [shlex.join(cmd)],
        "task_dep": ["native", "firmware", "bytecode"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_flash_loader():
    """rebuild the bootloader and replace it on the board (board=NAME, port=..., via=rom: a blank board)"""
    mod = _load("firmware/images.py")
    image = getattr(mod, "BOOTLOADER_IMAGES", {}).get(BOARD) if mod else None
    cmd = [PY, "-m", "stm32boot", "update-bootloader", "--board", BOARD]
    if PORT:
        cmd += ["--port", PORT]
    cmd += _link_args()
    if image:
        cmd.append(image)
    return {
        "basename": "flash-loader",
        "actions": [shlex.join(cmd)],
        "task_dep": ["native", "firmware", "bytecode"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_test():
    """run the whole test suite (args="-k name" passes options to pytest)"""
    extra = shlex.split(get_var("args", ""))
    return {
        "actions": [shlex.join([PY, "-m", "pytest", "-q"] + extra)],
        "task_dep": ["native", "bytecode", "firmware", "loaders", "testfw"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_bench():
    """run the benchmarks, then list every figure with its goal (only=link,read: those alone)"""
    only = get_var("only", "")
    return {
        "actions": [shlex.join([PY, "tests/bench/run.py"] + ([only] if only else []))],
        "task_dep": ["native", "bytecode", "firmware", "loaders", "testfw"],
        "uptodate": [False],
        "verbosity": 2,
    }


# --- release: signed images ------------------------------------------------------------------------

def _release_cfg():
    rel = _load("firmware/release.py")
    return rel.VERSION, rel.SECURITY_COUNTER


def _version_word(version):
    main = version.partition("+")[0].split(".") + ["0", "0"]
    return (int(main[0]) << 24) | (int(main[1]) << 16) | int(main[2])


def _key_or_fail(key):
    from stm32boot import mcuboot   # the installed host tool (./dev installs it into .venv)
    if not os.path.exists(key):
        print(f"release: no signing key at {key}: make one with `doit keygen` (or pass key=PATH)")
        return None, mcuboot
    try:
        return mcuboot.load_private_key(key), mcuboot
    except mcuboot.ImageCheckError as e:
        print(f"release: {e}")
        return None, mcuboot


def _write_key_c(key, target):
    """The bootloader's copy of the PUBLIC key (never the private one)."""
    priv, mcuboot = _key_or_fail(key)
    if priv is None:
        return False
    from cryptography.hazmat.primitives import serialization
    pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    body = ", ".join(f"0x{b:02x}" for b in pub)
    with open(target, "w") as f:
        f.write("/* Generated by `doit release` from the signing key's PUBLIC half: the key the release\n"
                f" * bootloader verifies with. Key hash (imgtool getpubhash) {mcuboot.key_hash(pub).hex()}. */\n"
                "#include <stdint.h>\n\n"
                f"const uint8_t vb_public_key[32] = {{{body}}};\n")
    return True


def _sign_release(key, board, out, app, version, counter):
    priv, mcuboot = _key_or_fail(key)
    if priv is None:
        return False
    from stm32boot import image
    from intelhex import IntelHex
    b = boards.get(board)
    try:
        img = image.load([os.path.join(out, app + ".elf")])
        slot_raw, chunks = mcuboot.sign_image(img, b, version, counter, priv)
        bl = image.load([os.path.join(out, "bootloader.elf")])
        bl_payload = b"".join(d for _, d in bl.chunks) if len(bl.chunks) == 1 else None
        if bl_payload is None:
            print("release: the bootloader ELF is not one contiguous block")
            return False
        bl_signed = mcuboot.sign(bl_payload, b.memories[0].base, version, 0, [], priv)
    except (image.ImageError, mcuboot.ImageCheckError) as e:
        print(f"release: {e}")
        return False
    ih = IntelHex()
    for addr, data in chunks:
        ih.puts(addr, data)
    paths = {"hex": os.path.join(out, app + ".signed.hex"), "bin": os.path.join(out, app + ".signed.bin"),
             "bl": os.path.join(out, "bootloader.signed.bin")}
    with open(paths["hex"], "w") as f:
        ih.write_hex_file(f)
    for k, data in (("bin", slot_raw), ("bl", bl_signed)):
        with open(paths[k], "wb") as f:
            f.write(data)
    from cryptography.hazmat.primitives import serialization
    pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    print(f"release {board}: version {version}, security counter {counter}")
    print(f"  signed image (both memories): {paths['hex']}")
    print(f"  signed slot (MCUboot format): {paths['bin']}")
    print(f"  release bootloader:           {os.path.join(out, 'bootloader.elf')} "
          f"(signed for flash-loader: {paths['bl']})")
    print(f"  key hash: {mcuboot.key_hash(pub).hex()} ({key})")
    return True


def _no_release(board):
    print(f"release: no release build is defined for board {board!r} (firmware/images.py RELEASE)")
    return False


def task_release():
    """build the release bootloader and application and sign them (board=NAME key=keys/release.pem)"""
    out = os.path.join(BUILD, "release", BOARD)
    mod = _load("firmware/images.py")
    cfg = getattr(mod, "RELEASE", lambda b, o: None)(BOARD, out) if mod else None
    yield {"basename": "release", "name": None, "doc": "build and sign the release images (board=, key=)"}
    if cfg is None:
        yield {"basename": "release", "name": "sign",
               "actions": [(_no_release, [BOARD])], "uptodate": [False], "verbosity": 2}
        return
    version, counter = _release_cfg()
    images = []
    for img in cfg["images"]:
        img = dict(img)
        img["defines"] = dict(img.get("defines", {}), VB_VERSION=f"0x{_version_word(version):08x}u")
        images.append(img)
    keyabs = os.path.abspath(KEY)
    yield {"basename": "release", "name": "key",
           "actions": [(_write_key_c, [KEY, cfg["key_c"]])],
           "targets": [cfg["key_c"]],
           "file_dep": [KEY] if os.path.exists(KEY) else [],
           "uptodate": [config_changed(keyabs)] + ([] if os.path.exists(KEY) else [False]),
           "clean": True}
    for t in _build_images("release", images, os.path.join(out, "obj")):
        t = dict(t)
        t["basename"] = "release"
        yield t
    yield {"basename": "release", "name": "sign",
           "actions": [(_sign_release, [KEY, BOARD, out, cfg["app"], version, counter])],
           "file_dep": [i["out"] for i in images] + ["firmware/release.py"] + ([KEY] if os.path.exists(KEY) else []),
           "targets": [os.path.join(out, cfg["app"] + ext) for ext in (".signed.hex", ".signed.bin")],
           "uptodate": [False],
           "verbosity": 2}


def _keygen(key):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from stm32boot import mcuboot
    if os.path.exists(key):
        print(f"keygen: {key} exists; kept (delete it first to replace it)")
        return True
    os.makedirs(os.path.dirname(os.path.abspath(key)), exist_ok=True)
    priv = Ed25519PrivateKey.generate()
    pem = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())   # what `imgtool keygen -t ed25519` writes
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    print(f"keygen: wrote an Ed25519 signing key to {key} (private: keep it out of git and logs); "
          f"key hash {mcuboot.key_hash(pub).hex()}")
    return True


def task_keygen():
    """write a new Ed25519 signing key (imgtool-compatible PEM) to keys/release.pem (or key=PATH)"""
    return {"actions": [(_keygen, [KEY])], "uptodate": [False], "verbosity": 2}
