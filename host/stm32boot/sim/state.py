"""Non-volatile state of a simulated board, kept in a directory between runs (like a real board).

Layout of a state directory:
    manifest.json   {"board": "h735", "format": 1, "blobs": {name: {size, sparse, file, crc32}},
                     "values": {...}}  (small values, e.g. option bytes)
    <name>.bin      a dense blob (internal flash: 1 MB)
    <name>.sparse   a sparse blob: only the pages that are not erased (the 64 MB NOR)
    lock            fcntl lock + PID of the process using the directory

API: `SimState.open(board_name, path=None, blank=False)`; `state.blob(name, size, sparse=False,
erased=0xFF)` returns the live bytearray (register more blobs this way, e.g. D's NOR);
`state.values` (dict saved in the manifest); `state.save()`; `state.close()`.
Every file is written to a temporary name and renamed, manifest last, so a killed run leaves the
previous consistent state. A file whose size or CRC does not match the manifest is reported.
"""
from __future__ import annotations

import fcntl
import json
import os
import struct
import zlib

FORMAT = 1
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

    @classmethod
    def open(cls, board_name: str, path: str | None = None, blank: bool = False) -> "SimState":
        path = os.path.abspath(path or default_dir(board_name))
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise StateError(f"cannot create state directory {path}: {e.strerror}") from None
        fd = cls._lock(path)
        try:
            manifest = cls._read_manifest(path, board_name) if not blank else {}
        except StateError:
            os.close(fd)
            raise
        return cls(board_name, path, blank, fd, manifest)

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
    def _read_manifest(path: str, board_name: str) -> dict:
        mpath = os.path.join(path, "manifest.json")
        if not os.path.exists(mpath):
            others = [f for f in os.listdir(path) if f not in ("lock",) and not f.startswith(".")]
            if others:
                raise StateError(f"{path} is not a simulator state directory (no manifest.json, but it "
                                 f"holds {', '.join(sorted(others)[:3])}); choose an empty directory")
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
        if fmt != FORMAT:
            raise StateError(f"state directory {path} has format {fmt}, this version reads {FORMAT}; "
                             f"use --blank to start over")
        return manifest

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
        self._blobs[name] = (buf, sparse, erased)
        self._dirty.add(name)  # a new directory gets every blob written on the first save
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
        blank = bytes([erased]) * SPARSE_PAGE
        yield SPARSE_MAGIC
        mv = memoryview(buf)
        for page in range(len(buf) // SPARSE_PAGE):
            chunk = mv[page * SPARSE_PAGE:(page + 1) * SPARSE_PAGE]
            if chunk != blank:
                yield struct.pack("<I", page)
                yield bytes(chunk)

    def mark_dirty(self, name: str) -> None:
        self._dirty.add(name)

    def save(self) -> None:
        blobs = dict(self._manifest.get("blobs", {})) if not self.blank else {}
        for name, (buf, sparse, erased) in self._blobs.items():
            info = blobs.get(name)
            if name in self._dirty or info is None:
                fname = f"{name}.sparse" if sparse else f"{name}.bin"
                data = b"".join(self._pack_sparse(buf, erased)) if sparse else bytes(buf)
                _atomic_write(os.path.join(self.path, fname), [data])
                blobs[name] = {"file": fname, "size": len(buf), "sparse": sparse, "crc32": zlib.crc32(data)}
        manifest = {"board": self.board_name, "format": FORMAT, "blobs": blobs, "values": self.values}
        _atomic_write(os.path.join(self.path, "manifest.json"), [json.dumps(manifest, indent=1).encode()])
        self._manifest = manifest
        self.blank = False
        self._dirty.clear()

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)   # closing releases the flock
            self._lock_fd = None
