"""Release builds for the tests: the working tree copied into two directories of different names and
`doit release board=h735 key=<a key made for the tests>` run in each (what a user does in two clean
checkouts). Built once per test session; the key never leaves the temporary directory."""
import functools
import os
import shutil
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUTS = ("demo.signed.hex", "demo.signed.bin", "bootloader.elf", "bootloader.bin", "bootloader.signed.bin",
           "demo.elf")


def write_key(path, seed=None):
    key = Ed25519PrivateKey.from_private_bytes(seed) if seed else Ed25519PrivateKey.generate()
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(path[:-4] + "_pub.pem", "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def copy_checkout(dest):
    """The tracked and new (not ignored) files of the working tree: a clean checkout of it."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, (x.decode() for x in files)):
        src = os.path.join(ROOT, f)
        if not os.path.isfile(src):
            continue
        os.makedirs(os.path.join(dest, os.path.dirname(f)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, f))


def release(checkout, key, *extra):
    r = subprocess.run([sys.executable, "-m", "doit", "release", "board=h735", f"key={key}", *extra],
                       cwd=checkout, capture_output=True, text=True, timeout=900)
    return r


@functools.lru_cache(maxsize=None)
def build_pair():
    """{'key': path, 'pub': path, 'dirs': (out_a, out_b), 'stdout': (a, b)} for two release builds."""
    base = tempfile.mkdtemp(prefix="stm32boot-release-")
    key = os.path.join(base, "test_signing.pem")
    write_key(key)
    outs, stdouts = [], []
    for name in ("checkout-one", "second/other-checkout-name"):
        d = os.path.join(base, name)
        copy_checkout(d)
        r = release(d, key)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        outs.append(os.path.join(d, "build", "release", "h735"))
        stdouts.append(r.stdout)
    return {"key": key, "pub": key[:-4] + "_pub.pem", "dirs": tuple(outs), "stdout": tuple(stdouts), "base": base}


@functools.lru_cache(maxsize=None)
def build_one():
    """One release build in a copy of the tree with a fresh key: {'key', 'pub', 'out'} (benchmarks)."""
    base = tempfile.mkdtemp(prefix="stm32boot-release-")
    key = os.path.join(base, "bench_signing.pem")
    write_key(key)
    d = os.path.join(base, "checkout")
    copy_checkout(d)
    r = release(d, key)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return {"key": key, "pub": key[:-4] + "_pub.pem", "out": os.path.join(d, "build", "release", "h735"),
            "base": base}
