"""Verified boot on the simulated H735, end to end with the release build (tests/release_build.py):
a signed image flashes and boots; every tampering is refused by the host when it can see it (board
untouched) and always by the release bootloader (which then stays and says why in `stm32boot info`),
and the board can be reflashed afterwards. READ and partial CRCs are refused; imgtool interoperates."""
import hashlib
import os
import re
import struct
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from intelhex import IntelHex

from stm32boot import boards, mcuboot
from stm32boot import image as imagemod
from stm32boot import plan as planmod
from stm32boot.target import open_target
from release_build import ROOT, build_pair, write_key

BOARD = boards.get("h735")
SLOT = 0x08020000
DEV_DEMO = os.path.join(ROOT, "build", "firmware", "h735", "demo.elf")
RELEASE_BL = [None]


@pytest.fixture(scope="module")
def rel(tmp_path_factory):
    p = build_pair()
    out = p["dirs"][0]
    RELEASE_BL[0] = os.path.join(out, "bootloader.elf")   # what a blank board is factory-programmed with
    img = imagemod.load([os.path.join(out, "demo.signed.hex")])
    slot = mcuboot.from_image(img, SLOT)
    nor = [(a, d) for a, d in img.chunks if a >= 0x90000000]
    return dict(out=out, key=mcuboot.load_private_key(p["key"]), pub=p["pub"], slot=slot.raw, nor=nor,
                hex=os.path.join(out, "demo.signed.hex"), bin=os.path.join(out, "demo.signed.bin"),
                tmp=tmp_path_factory.mktemp("rel"))


def cli(*args, state, release=True):
    env = dict(os.environ)
    env.pop("STM32BOOT_SIM_BOOTLOADER", None)
    if release:
        env["STM32BOOT_SIM_BOOTLOADER"] = RELEASE_BL[0]
    r = subprocess.run([sys.executable, "-m", "stm32boot", *args, "--state", str(state)],
                       capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
    return r.returncode, r.stdout, r.stderr


def boot_line(state):
    rc, out, err = cli("info", state=state)   # a board that already has its bootloader
    assert rc == 0, err
    return out[out.index("boot:"):]


def write_hex(path, chunks):
    ih = IntelHex()
    for a, d in chunks:
        ih.puts(a, d)
    with open(path, "w") as f:
        ih.write_hex_file(f)
    return str(path)


def raw_flash(state, chunks):
    """The development path: write bytes with no host-side signature check, then reset (the bootloader
    decides). What someone with the UART and a patched host tool can do."""
    t = open_target(BOARD, state_dir=str(state))
    try:
        segs = [imagemod.Segment(a, bytes(d), "test") for a, d in chunks]
        planmod.execute(planmod.build(imagemod.merge(segs), BOARD), t)
        t.reset(run_app=True)
    finally:
        t.close()


def snapshot(state):
    return {f: hashlib.sha256(open(os.path.join(state, f), "rb").read()).hexdigest()
            for f in sorted(os.listdir(state)) if os.path.isfile(os.path.join(state, f)) and f != "lock"}


@pytest.fixture(scope="module")
def board(rel, tmp_path_factory):
    state = tmp_path_factory.mktemp("board")
    rc, out, err = cli("flash", rel["hex"], state=state)
    assert rc == 0, out + err
    return state, out


def test_signed_release_image_flashes_and_boots(board):
    state, out = board
    assert "stm32boot demo" in out                     # the release bootloader started it
    b = boot_line(state)
    assert "release bootloader 1.0.0" in b and "application starts: application verified" in b
    assert "security counter: 1" in b


def test_development_bootloader_says_so(tmp_path):
    rc, out, err = cli("info", state=tmp_path / "dev", release=False)
    assert rc == 0, err
    assert "development bootloader" in out and "unsigned images boot" in out


def _flip(raw, off):
    b = bytearray(raw)
    b[off] ^= 0x01
    return bytes(b)


def _tampered(rel):
    s = rel["slot"]
    img = mcuboot.parse(s)
    prot = img.hdr_size + img.img_size
    unprot = prot + img.prot_size
    sha_len = unprot + 4 + 2                            # the SHA256 record's length field
    other = Ed25519PrivateKey.generate()
    payload = img.payload
    wrong_key = mcuboot.sign(payload, SLOT, img.version_str, 1,
                             [(a, d) for a, d in rel["nor"]], other)
    return {
        "header": (_flip(s, 0x14), "hash mismatch", "hash mismatch"),
        "payload": (_flip(s, img.hdr_size + 0x200), "hash mismatch", "hash mismatch"),
        "protected-tlv": (_flip(s, prot + 8), "hash mismatch", "hash mismatch"),
        "signature": (_flip(s, len(s) - 10), "bad signature", "bad signature"),
        "truncated-tlv": (s[:sha_len] + b"\x00\x02" + s[sha_len + 2:], "TLV", "bad or truncated TLV area"),
        "wrong-key": (wrong_key, "unknown key", "unknown key"),
    }


@pytest.mark.parametrize("kind", ["header", "payload", "protected-tlv", "signature", "truncated-tlv", "wrong-key"])
def test_tampered_image_refused_by_host_and_by_bootloader_board_reflashable(rel, board, kind, tmp_path):
    state, _ = board
    raw, host_says, board_says = _tampered(rel)[kind]
    bad_hex = write_hex(tmp_path / "bad.hex", [(SLOT, raw)] + rel["nor"])
    before = snapshot(state)
    rc, out, err = cli("flash", bad_hex, state=state)
    assert rc == 2 and "refused, nothing written" in err and host_says in err, err
    assert snapshot(state) == before                   # the board is untouched
    raw_flash(state, [(SLOT, raw)])                    # past the host: the bootloader must refuse it
    b = boot_line(state)
    assert "application NOT started" in b and board_says in b, b
    rc, out, err = cli("flash", rel["hex"], state=state)   # and the board takes a good image again
    assert rc == 0 and "stm32boot demo" in out, out + err


def test_unsigned_image_refused_on_release_bootloader(rel, board):
    state, _ = board
    rc, out, err = cli("flash", DEV_DEMO, state=state)
    assert rc == 2 and "unsigned image" in err, err
    raw_flash(state, [(a, d) for a, d in imagemod.load([DEV_DEMO]).chunks])
    b = boot_line(state)
    assert "application NOT started: no signed application at 0x08020000" in b, b
    rc, out, err = cli("flash", rel["hex"], state=state)
    assert rc == 0 and "stm32boot demo" in out, out + err


def test_nor_altered_through_the_development_path_is_refused_at_boot(rel, board, tmp_path):
    state, _ = board
    addr, data = rel["nor"][0]
    patch = tmp_path / "p.bin"
    patch.write_bytes(bytes([data[0x100] ^ 0xFF]))
    changed = bytearray(data)
    changed[0x100] ^= 0xFF
    # the host sees a NOR range that does not match the signed hash when it is in the image:
    bad_hex = write_hex(tmp_path / "bad.hex", [(SLOT, rel["slot"]), (addr, bytes(changed))])
    rc, out, err = cli("flash", bad_hex, state=state)
    assert rc == 2 and f"NOR range 0x{addr:08X}" in err and "altered" in err, err
    rc, out, err = cli("flash", f"{patch}@{addr + 0x100:#x}", state=state)   # NOR-only: the host lets it through
    assert rc == 0, err
    b = boot_line(state)
    assert f"application NOT started: NOR range 0x{addr:08X}" in b and "altered" in b, b
    rc, out, err = cli("flash", rel["hex"], state=state)
    assert rc == 0 and "stm32boot demo" in out, out + err


def test_rollback_refused_and_counter_survives_resets(rel, tmp_path):
    state = tmp_path / "rb"
    newer = mcuboot.sign(mcuboot.parse(rel["slot"]).payload, SLOT, "1.1.0", 5, rel["nor"], rel["key"])
    rc, out, err = cli("flash", write_hex(tmp_path / "new.hex", [(SLOT, newer)] + rel["nor"]), state=state)
    assert rc == 0 and "stm32boot demo" in out, out + err
    assert "security counter: 5" in boot_line(state)
    rc, out, err = cli("flash", rel["hex"], state=state)          # counter 1 < 5
    assert rc == 2 and "rollback from 5 to 1" in err, err
    raw_flash(state, [(SLOT, rel["slot"])])
    b = boot_line(state)
    assert "application NOT started: rollback from 5 to 1" in b and "security counter: 5" in b, b
    rc, out, err = cli("flash", write_hex(tmp_path / "new.hex", [(SLOT, newer)] + rel["nor"]), state=state)
    assert rc == 0 and "stm32boot demo" in out, out + err


def test_release_bootloader_refuses_read_and_partial_crc(rel, board, tmp_path):
    state, _ = board
    rc, out, err = cli("verify", rel["hex"], state=state)          # verify still works, by whole sectors
    assert rc == 0 and "whole-sector CRC" in out, out + err
    rc, out, err = cli("read", "0x08020000", "16", "-o", str(tmp_path / "x.bin"), state=state)
    assert rc == 2 and "REFUSED" in err and not (tmp_path / "x.bin").exists()
    rc, out, err = cli("read", "0x90000000", "16", "-o", str(tmp_path / "x.bin"), state=state)
    assert rc == 2 and "REFUSED" in err
    t = open_target(BOARD, state_dir=str(state))
    try:
        with pytest.raises(Exception, match="REFUSED"):
            t.crc([(0x08020000, 4)])
        assert len(t.crc([(0x08020000, 128 * 1024)])) == 1     # whole sectors still answer (flash skips them)
    finally:
        t.close()


def test_imgtool_verify_accepts_our_signed_bin_and_rejects_any_one_byte_change(rel, tmp_path):
    """imgtool rejects every change to what is hashed and to the hash and signature values. imgtool 2.5.0's
    verify does not read the KEYHASH record nor the high byte of a record type, so it accepts changes there;
    our checker (host, and the same rules in core/verify.c) rejects those too: no one-byte change passes both."""
    ok = subprocess.run(["imgtool", "verify", "-k", rel["pub"], rel["bin"]], capture_output=True, text=True)
    assert ok.returncode == 0 and "correctly validated" in ok.stdout, ok.stdout + ok.stderr
    from imgtool import keys
    from imgtool.image import Image, VerifyResult
    key = keys.load(rel["pub"])
    pub = mcuboot.load_public_key(rel["pub"])
    raw = open(rel["bin"], "rb").read()
    img = mcuboot.parse(raw)
    unprot = img.hdr_size + img.img_size + img.prot_size
    f = tmp_path / "m.bin"
    imgtool_blind = []
    for off in range(len(raw)):
        b = bytearray(raw)
        b[off] ^= 0xA5
        f.write_bytes(bytes(b))
        try:
            res = Image.verify(str(f), key)[0]
        except Exception:      # imgtool raises on layouts it cannot parse: rejected too
            res = None
        if res == VerifyResult.OK:
            assert off >= unprot + 4, f"imgtool accepted a change at 0x{off:X}, inside the signed region"
            imgtool_blind.append(off)
        with pytest.raises(mcuboot.ImageCheckError):
            mcuboot.check(mcuboot.parse(bytes(b)), pub_raw=pub)
    assert len(imgtool_blind) < 48             # the KEYHASH record and type high bytes, nothing else
    b = bytearray(raw)
    b[0x500] ^= 1
    f.write_bytes(bytes(b))
    bad = subprocess.run(["imgtool", "verify", "-k", rel["pub"], str(f)], capture_output=True, text=True)
    assert bad.returncode != 0


def test_an_app_signed_by_imgtool_boots_on_our_release_bootloader(rel, tmp_path):
    state = tmp_path / "imgtool-board"
    img = mcuboot.parse(rel["slot"])
    app = tmp_path / "app.bin"
    app.write_bytes(img.payload)
    tlvs = []
    for a, n, h in img.nor_ranges:
        tlvs += ["--custom-tlv", "0xE1", "0x" + mcuboot.NOR_RANGE.pack(a, n, h).hex()]
    signed = tmp_path / "app.signed.bin"
    r = subprocess.run(["imgtool", "sign", "-k", os.path.join(os.path.dirname(rel["pub"]), "test_signing.pem"),
                        "--version", "1.0.0+0", "--header-size", "0x400", "--pad-header", "--align", "32",
                        "--max-align", "32", "--slot-size", "0xE0000", "-s", "1", *tlvs, str(app), str(signed)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    nor = tmp_path / "nor.bin"
    (addr, data), = rel["nor"]
    nor.write_bytes(data)
    rc, out, err = cli("flash", f"{signed}@{SLOT:#x}", f"{nor}@{addr:#x}", state=state)
    assert rc == 0 and "stm32boot demo" in out, out + err
    assert "application starts: application verified" in boot_line(state)


def test_release_bootloader_update_only_signed_same_key_not_older_and_counter_survives(rel, tmp_path):
    state = tmp_path / "blupd"
    newer = mcuboot.sign(mcuboot.parse(rel["slot"]).payload, SLOT, "1.1.0", 7, rel["nor"], rel["key"])
    rc, out, err = cli("flash", write_hex(tmp_path / "n.hex", [(SLOT, newer)] + rel["nor"]), state=state)
    assert rc == 0 and "stm32boot demo" in out, out + err
    bl_bin = open(os.path.join(rel["out"], "bootloader.bin"), "rb").read()
    # unsigned (the development bootloader), older, and wrongly signed: refused by the host...
    other = Ed25519PrivateKey.generate()
    cases = {
        "unsigned": (os.path.join(ROOT, "build", "firmware", "h735", "bootloader.elf"), "takes only a signed"),
        "older": (mcuboot.sign(bl_bin, 0x08000000, "0.9.0", 0, [], rel["key"]), "older than the board's"),
        "wrong-key": (mcuboot.sign(bl_bin, 0x08000000, "1.0.0", 0, [], other), "unknown key"),
    }
    for name, (blob, says) in cases.items():
        path = blob if isinstance(blob, str) else str(tmp_path / f"{name}.bin")
        if not isinstance(blob, str):
            open(path, "wb").write(blob)
        rc, out, err = cli("update-bootloader", path, state=state)
        assert rc == 2 and says in err, (name, err)
    # ...and by the bootloader itself, past the host's checks
    from stm32boot.commands.update_bootloader import bootloader_bytes
    raw_cases = {"unsigned": bootloader_bytes(BOARD, cases["unsigned"][0]), "older": cases["older"][0],
                 "wrong-key": cases["wrong-key"][0]}
    for name, blob in raw_cases.items():
        t = open_target(BOARD, state_dir=str(state))
        try:
            with pytest.raises(Exception, match="release bootloader refused the update"):
                t.update_bootloader(blob)
        finally:
            t.close()
    # the same version, signed with the board's key: taken; the counter log survives the rewrite of
    # sector 0 (with an older application in the slot, a lost counter would let it boot)
    raw_flash(state, [(SLOT, rel["slot"])])                       # security counter 1
    rc, out, err = cli("update-bootloader", os.path.join(rel["out"], "bootloader.signed.bin"), state=state)
    assert rc == 0, out + err
    b = boot_line(state)
    assert "release bootloader 1.0.0" in b and "security counter: 7" in b, b
    assert "application NOT started: rollback from 7 to 1" in b, b


def test_a_development_board_becomes_a_release_board_with_the_signed_bootloader(rel, tmp_path):
    state = tmp_path / "dev-to-release"
    rc, out, err = cli("info", state=state, release=False)
    assert rc == 0 and "development bootloader" in out, err
    rc, out, err = cli("update-bootloader", os.path.join(rel["out"], "bootloader.signed.bin"), state=state,
                       release=False)
    assert rc == 0, out + err
    b = boot_line(state)
    assert "release bootloader 1.0.0" in b and "no signed application" in b, b
    rc, out, err = cli("flash", rel["hex"], state=state)
    assert rc == 0 and "stm32boot demo" in out, out + err
