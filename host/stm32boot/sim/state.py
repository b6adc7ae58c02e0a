"""Non-volatile state of a simulated board, kept in a directory between runs (like a real board).

Layout of a state directory:
    manifest.json   {"board": NAME, "format": 2, "gen": G, "journal": "journal.G",
                     "blobs": {name: {size, sparse, file, crc32}}, "values": {...}}
    <name>.G.bin    a dense base image (internal flash: 1 MB)
    <name>.G.sparse a sparse base image: only the pages that are not erased (the 64 MB NOR)
    journal.G       every change since the base images, appended when the device operation completes
    lock            fcntl lock + PID of the process using the directory

Durability (issue 15): a device model calls `state.wrote(name, offset, length)` when an erase or a
program completes; the bytes (or a fill, for an erase) are appended to the journal with one write()
of a record carrying its own CRC, so they survive a SIGKILL of the simulator the moment the operation
completes, at the cost of one small write (an 8 MB NOR image: ~33k records, no file rewritten).
A record torn by a kill fails its CRC: replay stops there and the file is cut back (that operation had
not completed). `save()` (at close) folds the journal into new base images: base files of the new
generation are written and fsynced first, then the manifest is replaced atomically, then the old
generation is deleted, so a kill at any point leaves one consistent generation. Set
STM32BOOT_SIM_FSYNC=1 to also fsync each record (survives a host crash; slower).

API: `SimState.open(board_name, path=None, blank=False)`; `state.blob(name, size, sparse=False,
erased=0xFF)` returns the live bytearray; `state.wrote(name, off, n)`; `state.values`; `state.save()`;
`state.close()`. Format 1 directories (no journal) are read and upgraded at the next save.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import struct
import zlib

FORMAT = 2
READABLE = (1, 2)
REC = struct.Struct("<IBBHII")   # total length, kind, name length, 0, offset, count
KIND_DATA, KIND_FILL = 0, 1
OURS = re.compile(r"^(journal\.\d+|[a-z_]+(\.\d+)?\.(bin|sparse))(\.tmp\d+)?$")   # files we write
SPARSE_PAGE = 4096
SPARSE_MAGIC = b"STM32BOOT-SPARSE\0"


class StateError(Exception):
    """A state directory that cannot be used, with the reason and what to do."""


def default_dir(board_name: str) -> str:
    """One directory per board: ~/.cache/stm32boot/sim/<board>. $STM32BOOT_SIM_STATE overrides it; a
    "{board}" in it is replaced by the board name (one variable for several boards)."""
    env = os.environ.get("STM32BOOT_SIM_STATE")
    if env:
        return env.replace("{board}", board_name)
    return os.path.join(os.path.expanduser("~"), ".cache", "stm32boot", "sim", board_name)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: str, chunks) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        for c in chunks:
            f.write(c)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class SimState:
    def __init__(self, board_name: str, path: str, blank: bool, lock_fd: int, manifest: dict):
        self.board_name = board_name
        self.path = path
        self.blank = blank
        self._lock_fd = lock_fd
        self._manifest = manifest
        self.values: dict = dict(manifest.get("values", {})) if not blank else {}
        self._blobs: dict[str, tuple[bytearray, bool, int]] = {}
        self._dirty: set[str] = set()
        self._replay: dict[str, list] = {}   # journal records of blobs not yet loaded
        self._jfd: int | None = None
        self._jbytes = 0
        self.frozen = False                  # power is gone (sim/powercut.py): nothing more is durable
        self._fsync = os.environ.get("STM32BOOT_SIM_FSYNC") == "1"

    @classmethod
    def open(cls, board_name: str, path: str | None = None, blank: bool = False) -> "SimState":
        path = os.path.abspath(path or default_dir(board_name))
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise StateError(f"cannot create state directory {path}: {e.strerror}") from None
        fd = cls._lock(path)
        try:
            if blank:   # start erased, but only over a state directory (it deletes the old generation)
                cls._check_is_state_dir(path)
                manifest = {"gen": cls._read_gen(path)}
            else:
                manifest = cls._read_manifest(path, board_name)
            st = cls(board_name, path, blank, fd, manifest)
            st._start_journal()
        except BaseException:
            os.close(fd)
            raise
        return st

    @staticmethod
    def _read_gen(path: str) -> int:
        try:
            with open(os.path.join(path, "manifest.json")) as f:
                return int(json.load(f).get("gen", 0))
        except (OSError, ValueError, TypeError, AttributeError):
            return 0

    @staticmethod
    def _lock(path: str) -> int:
        lock_path = os.path.join(path, "lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StateError(f"state directory {path} is in use by another simulator (PID {holder}); "
                             f"stop that process or pass another --state directory") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd

    @staticmethod
    def _check_is_state_dir(path: str) -> bool:
        """True when it has a manifest; False when empty; StateError when it holds other files."""
        if os.path.exists(os.path.join(path, "manifest.json")):
            return True
        others = [f for f in os.listdir(path) if f not in ("lock",) and not f.startswith(".")]
        if others:
            raise StateError(f"{path} is not a simulator state directory (no manifest.json, but it "
                             f"holds {', '.join(sorted(others)[:3])}); choose an empty directory")
        return False

    @classmethod
    def _read_manifest(cls, path: str, board_name: str) -> dict:
        mpath = os.path.join(path, "manifest.json")
        if not cls._check_is_state_dir(path):
            return {}
        try:
            with open(mpath) as f:
                manifest = json.load(f)
            board, fmt = manifest["board"], manifest["format"]
        except (ValueError, KeyError, TypeError) as e:
            raise StateError(f"corrupt state manifest {mpath} ({e}); delete the directory or use --blank") from None
        if board != board_name:
            raise StateError(f"state directory {path} belongs to board '{board}', not '{board_name}'; "
                             f"pass --state with another directory (or --blank to start over)")
        if fmt not in READABLE:
            raise StateError(f"state directory {path} has format {fmt}, this version reads {FORMAT}; "
                             f"use --blank to start over")
        return manifest

    # ---- journal -----------------------------------------------------------------------------
    def _start_journal(self) -> None:
        """Replay the manifest's journal (cutting a torn tail), or begin a new generation."""
        jname = self._manifest.get("journal")
        if jname is None or self.blank:
            self._new_generation({} if self.blank else dict(self._manifest.get("blobs", {})))
            return
        jpath = os.path.join(self.path, jname)
        try:
            with open(jpath, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raw = b""
        good = self._parse_journal(raw)
        self._jfd = os.open(jpath, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if good < len(raw):
            os.ftruncate(self._jfd, good)        # a record torn by a kill: that operation never completed
        self._jbytes = good
        self._clean_stale()

    def _parse_journal(self, raw: bytes) -> int:
        pos = 0
        while pos + REC.size + 4 <= len(raw):
            total, kind, nlen, _, off, count = REC.unpack_from(raw, pos)
            end = pos + total
            if total < REC.size + 4 + nlen or end > len(raw) or kind not in (KIND_DATA, KIND_FILL):
                break
            (crc,) = struct.unpack_from("<I", raw, end - 4)
            if zlib.crc32(raw[pos:end - 4]) != crc:
                break
            name = raw[pos + REC.size:pos + REC.size + nlen].decode(errors="replace")
            body = raw[pos + REC.size + nlen:end - 4]
            self._replay.setdefault(name, []).append((kind, off, count, body))
            pos = end
        return pos

    def _new_generation(self, blobs: dict) -> None:
        """Point a fresh manifest at `blobs` (base files already on disk) and an empty journal."""
        gen = int(self._manifest.get("gen", 0)) + 1
        jname = f"journal.{gen}"
        jpath = os.path.join(self.path, jname)
        _atomic_write(jpath, [b""])
        manifest = {"board": self.board_name, "format": FORMAT, "gen": gen, "journal": jname,
                    "blobs": blobs, "values": self.values}
        _atomic_write(os.path.join(self.path, "manifest.json"), [json.dumps(manifest, indent=1).encode()])
        _fsync_dir(self.path)
        self._manifest = manifest
        if self._jfd is not None:
            os.close(self._jfd)
        self._jfd = os.open(jpath, os.O_WRONLY | os.O_APPEND)
        self._jbytes = 0
        self.blank = False
        self._clean_stale()

    def _clean_stale(self) -> None:
        """Files of older generations (a save or a kill left them): never read again."""
        keep = {"lock", "manifest.json", self._manifest.get("journal")}
        keep |= {b["file"] for b in self._manifest.get("blobs", {}).values()}
        for f in os.listdir(self.path):
            if f not in keep and OURS.match(f):
                try:
                    os.unlink(os.path.join(self.path, f))
                except OSError:
                    pass

    def wrote(self, name: str, off: int, n: int) -> None:
        """A device operation completed on blob `name` at [off, off+n): make it durable now."""
        if self.frozen or name not in self._blobs or n <= 0 or self._jfd is None:
            return
        buf = self._blobs[name][0]
        mv = memoryview(buf)[off:off + n]
        first = buf[off]
        if mv.nbytes > 64 and buf.count(first, off, off + n) == n:   # an erase: store the fill value
            kind, body = KIND_FILL, bytes([first])
        else:
            kind, body = KIND_DATA, bytes(mv)
        nm = name.encode()
        rec = REC.pack(REC.size + len(nm) + len(body) + 4, kind, len(nm), 0, off, n) + nm + body
        rec += struct.pack("<I", zlib.crc32(rec))
        os.write(self._jfd, rec)                 # one write: a kill leaves it whole or detectably torn
        if self._fsync:
            os.fsync(self._jfd)
        self._jbytes += len(rec)
        self._dirty.add(name)

    # ---- blobs -------------------------------------------------------------------------------
    def blob(self, name: str, size: int, sparse: bool = False, erased: int = 0xFF) -> bytearray:
        """The live contents of a non-volatile memory, loaded from the directory (or erased)."""
        if name in self._blobs:
            return self._blobs[name][0]
        buf = bytearray([erased]) * size
        info = self._manifest.get("blobs", {}).get(name)
        if info is not None and not self.blank:
            fpath = os.path.join(self.path, info["file"])
            if info["size"] != size:
                raise StateError(f"state blob '{name}' in {self.path} is {info['size']} bytes, the "
                                 f"{self.board_name} needs {size}; use --blank to start over")
            try:
                with open(fpath, "rb") as f:
                    raw = f.read()
            except OSError as e:
                raise StateError(f"state file {fpath} is missing or unreadable ({e.strerror}); "
                                 f"use --blank to start over") from None
            if zlib.crc32(raw) != info["crc32"]:
                raise StateError(f"state file {fpath} is corrupt or truncated ({len(raw)} bytes, CRC "
                                 f"does not match the manifest); use --blank to start over")
            if sparse:
                self._unpack_sparse(raw, buf, fpath)
            elif len(raw) != size:
                raise StateError(f"state file {fpath} is truncated ({len(raw)} of {size} bytes)")
            else:
                buf[:] = raw
        for kind, off, count, body in self._replay.pop(name, []):
            if off + count > size:
                raise StateError(f"state journal in {self.path} writes past blob '{name}'; use --blank")
            buf[off:off + count] = body * count if kind == KIND_FILL else body
        self._blobs[name] = (buf, sparse, erased)
        if info is None:
            self._dirty.add(name)  # a new blob gets its base file at the first save
        return buf

    @staticmethod
    def _unpack_sparse(raw: bytes, buf: bytearray, fpath: str) -> None:
        if not raw.startswith(SPARSE_MAGIC):
            raise StateError(f"state file {fpath} is not a sparse blob (bad header)")
        pos = len(SPARSE_MAGIC)
        while pos < len(raw):
            (page,) = struct.unpack_from("<I", raw, pos)
            off = page * SPARSE_PAGE
            if off + SPARSE_PAGE > len(buf) or pos + 4 + SPARSE_PAGE > len(raw):
                raise StateError(f"state file {fpath} is corrupt (page {page} out of range)")
            buf[off:off + SPARSE_PAGE] = raw[pos + 4:pos + 4 + SPARSE_PAGE]
            pos += 4 + SPARSE_PAGE

    @staticmethod
    def _pack_sparse(buf: bytearray, erased: int):
        # startswith(blank, offset) is a memcmp in place (no slice copied; a memoryview would compare
        # element by element), and a blank 64 KB span is passed over with one: a 64 MB NOR mostly blank
        # is scanned at memory speed.
        blank = bytes([erased]) * SPARSE_PAGE
        span = SPARSE_PAGE * 16
        blank_span = blank * 16
        yield SPARSE_MAGIC
        size = len(buf) // SPARSE_PAGE * SPARSE_PAGE
        for lo in range(0, size, span):
            hi = min(lo + span, size)
            if hi - lo == span and buf.startswith(blank_span, lo):
                continue
            for a in range(lo, hi, SPARSE_PAGE):
                if not buf.startswith(blank, a):
                    yield struct.pack("<I", a // SPARSE_PAGE)
                    yield bytes(buf[a:a + SPARSE_PAGE])

    def mark_dirty(self, name: str) -> None:
        """Changed by something other than a device operation (option bytes): journal small blobs whole."""
        if name in self._blobs and len(self._blobs[name][0]) <= 4096:
            self.wrote(name, 0, len(self._blobs[name][0]))
        self._dirty.add(name)

    def save(self) -> None:
        """Fold the journal into base images of a new generation (see the module docstring)."""
        if self.frozen or self._lock_fd is None:
            return
        old = dict(self._manifest.get("blobs", {}))
        blobs = dict(old)
        gen = int(self._manifest.get("gen", 0)) + 1
        for name, (buf, sparse, erased) in self._blobs.items():
            if name in self._dirty or name not in blobs:
                fname = f"{name}.{gen}.sparse" if sparse else f"{name}.{gen}.bin"
                data = b"".join(self._pack_sparse(buf, erased)) if sparse else bytes(buf)
                _atomic_write(os.path.join(self.path, fname), [data])
                blobs[name] = {"file": fname, "size": len(buf), "sparse": sparse, "crc32": zlib.crc32(data)}
        if blobs == old and self._jbytes == 0 and self.values == self._manifest.get("values", {}) \
                and self._manifest.get("format") == FORMAT:
            return
        self._new_generation(blobs)
        self._dirty.clear()

    def close(self) -> None:
        if self._jfd is not None:
            os.close(self._jfd)
            self._jfd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)   # closing releases the flock
            self._lock_fd = None
