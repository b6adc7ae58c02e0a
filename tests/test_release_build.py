"""`doit release` / `doit keygen`: signed outputs where the issue says, what they print, reproducibility
across checkouts, keys that imgtool reads and that never leak."""
import os
import re
import subprocess
import sys

from stm32boot import mcuboot
from release_build import OUTPUTS, ROOT, build_pair, copy_checkout, release, write_key


def test_release_writes_signed_outputs_and_prints_paths_version_and_key_hash():
    p = build_pair()
    out = p["stdout"][0]
    for f in ("demo.signed.hex", "demo.signed.bin"):
        assert f"build/release/h735/{f}" in out
        assert os.path.getsize(os.path.join(p["dirs"][0], f)) > 0
    rel = {}
    exec(open(os.path.join(ROOT, "firmware", "release.py")).read(), rel)
    assert f"version {rel['VERSION']}" in out
    pub = mcuboot.load_public_key(p["key"])
    assert f"key hash: {mcuboot.key_hash(pub).hex()}" in out
    signed = mcuboot.parse(open(os.path.join(p["dirs"][0], "demo.signed.bin"), "rb").read(), 0x08020000)
    assert signed.version_str == rel["VERSION"] and signed.security_counter == rel["SECURITY_COUNTER"]
    assert signed.nor_ranges and all(a >= 0x90000000 for a, _, _ in signed.nor_ranges)
    mcuboot.check(signed, pub_raw=pub)
    # the release never lands in (or over) the development build
    assert not os.path.exists(os.path.join(os.path.dirname(os.path.dirname(p["dirs"][0])), "firmware", "h735",
                                           "demo.signed.hex"))


def test_two_checkouts_in_different_directories_build_byte_identical_releases():
    a, b = build_pair()["dirs"]
    for f in OUTPUTS:
        assert open(os.path.join(a, f), "rb").read() == open(os.path.join(b, f), "rb").read(), f
    for root, _, files in os.walk(os.path.join(a, "obj")):
        for f in files:
            if f.endswith(".o"):
                pa = os.path.join(root, f)
                pb = os.path.join(b, os.path.relpath(pa, a))
                assert open(pa, "rb").read() == open(pb, "rb").read(), os.path.relpath(pa, a)


def test_no_object_or_elf_holds_the_checkout_path():
    a, _ = build_pair()["dirs"]
    checkout = os.path.dirname(os.path.dirname(os.path.dirname(a))).encode()
    for root, _, files in os.walk(a):
        for f in files:
            if f.endswith((".o", ".elf")):
                assert checkout not in open(os.path.join(root, f), "rb").read(), f   # DW_AT_comp_dir too


def test_release_without_a_key_says_how_to_make_one(tmp_path):
    copy_checkout(tmp_path)
    r = release(tmp_path, tmp_path / "keys" / "absent.pem")
    assert r.returncode != 0
    assert "no signing key at" in r.stdout and "doit keygen" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_keygen_writes_an_imgtool_key_never_prints_it_and_keeps_an_existing_one(tmp_path):
    copy_checkout(tmp_path)
    run = lambda: subprocess.run([sys.executable, "-m", "doit", "keygen"], cwd=tmp_path, capture_output=True,
                                 text=True, timeout=120)
    r = run()
    assert r.returncode == 0, r.stdout + r.stderr
    key = tmp_path / "keys" / "release.pem"
    pem = key.read_text()
    body = "".join(pem.splitlines()[1:-1])
    assert body not in r.stdout + r.stderr and "PRIVATE" not in r.stdout
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    info = subprocess.run(["imgtool", "getpub", "-k", str(key), "-e", "raw"], capture_output=True)
    assert info.returncode == 0 and len(info.stdout) == 44      # Ed25519 SubjectPublicKeyInfo
    assert re.search(r"key hash [0-9a-f]{64}", r.stdout)
    r2 = run()
    assert "kept" in r2.stdout and key.read_text() == pem
    ignored = subprocess.run(["git", "check-ignore", "-q", "keys/release.pem"], cwd=ROOT)
    assert ignored.returncode == 0


def _image_info(*args):
    return subprocess.run([sys.executable, "-m", "stm32boot", "image-info", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_image_info_shows_ranges_entry_version_counter_hashes_and_checks_the_signature(tmp_path):
    p = build_pair()
    hexf = os.path.join(p["dirs"][0], "demo.signed.hex")
    r = _image_info(hexf, "-k", p["pub"])
    assert r.returncode == 0, r.stdout + r.stderr
    signed = mcuboot.parse(open(os.path.join(p["dirs"][0], "demo.signed.bin"), "rb").read(), 0x08020000)
    out = r.stdout
    assert f"version:    {signed.version_str}" in out and f"security counter: {signed.security_counter}" in out
    assert f"entry:      0x{signed.entry:08X}" in out and "flash  0x08020000" in out
    for addr, n, h in signed.nor_ranges:
        assert f"nor    0x{addr:08X}..0x{addr + n - 1:08X}" in out and h.hex() in out
    assert signed.sha256.hex() in out and signed.keyhash.hex() in out
    assert "signature:  OK" in out and "NOR ranges match" in out
    # another key: the signature does not verify; a changed payload byte: the hash fails
    other = str(tmp_path / "other.pem")
    write_key(other)
    r = _image_info(os.path.join(p["dirs"][0], "demo.signed.bin"), "-k", other)
    assert r.returncode == 1 and "signature:  FAILED: unknown key" in r.stdout
    raw = bytearray(open(os.path.join(p["dirs"][0], "demo.signed.bin"), "rb").read())
    raw[0x600] ^= 1
    bad = tmp_path / "bad.signed.bin"
    bad.write_bytes(bytes(raw))
    r = _image_info(str(bad))
    assert r.returncode == 1 and "hash:       FAILED: hash mismatch" in r.stdout
    r = _image_info(str(tmp_path / "missing.bin"))
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr
