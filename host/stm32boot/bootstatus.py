"""What the bootloader says about verified boot (CMD_BOOT_STATUS, protocol.h struct proto_boot_status),
decoded and put into words for `stm32boot info` and the flash pre-check."""
from __future__ import annotations

from dataclasses import dataclass

from ._protocol import lib
from .protocol import Layout

_LAYOUT = Layout("struct proto_boot_status")


@dataclass(frozen=True)
class BootStatus:
    release: bool
    reason: int
    addr: int
    have: int
    want: int
    counter: int
    version: int
    key: bytes

    @classmethod
    def decode(cls, raw: bytes) -> "BootStatus":
        b = _LAYOUT.decode(raw)
        return cls(bool(b.release), b.reason, b.addr, b.have, b.want, b.counter, b.version, b.key)

    @property
    def version_str(self) -> str:
        v = self.version
        return f"{v >> 24}.{(v >> 16) & 0xFF}.{v & 0xFFFF}"

    def describe(self) -> str:
        return describe(self.reason, self.addr, self.have, self.want)


def describe(reason: int, addr: int = 0, have: int = 0, want: int = 0) -> str:
    """One line in words for an enum proto_boot value."""
    words = {
        lib.BOOT_DEVELOPMENT: "development bootloader: unsigned images boot, nothing is verified",
        lib.BOOT_VERIFIED: "application verified (hash, signature, NOR ranges, security counter)",
        lib.BOOT_NO_IMAGE: f"no signed application at 0x{addr:08X} (no MCUboot header)",
        lib.BOOT_BAD_HEADER: f"bad image header at 0x{addr:08X} (header size {have}, payload size {want})",
        lib.BOOT_BAD_TLV: f"bad or truncated TLV area at 0x{addr:08X}",
        lib.BOOT_BAD_HASH: "hash mismatch: header, payload or protected TLVs altered after signing",
        lib.BOOT_UNKNOWN_KEY: "unknown key: the image is signed with a key this bootloader does not hold",
        lib.BOOT_BAD_SIGNATURE: "bad signature: the Ed25519 signature does not verify",
        lib.BOOT_NOR_ALTERED: f"NOR range 0x{addr:08X}..0x{addr + max(have, 1) - 1:08X} altered "
                              f"(its SHA-256 differs from the signed one)",
        lib.BOOT_BAD_RANGE: f"signed external range 0x{addr:08X} (+{have} bytes) is outside the board's memories",
        lib.BOOT_ROLLBACK: f"rollback from {have} to {want}: the image's security counter is below the "
                           f"highest this board has booted",
        lib.BOOT_BAD_VECTORS: f"no valid vector table at 0x{addr:08X} (stack 0x{have:08X}, reset 0x{want:08X})",
        lib.BOOT_OLDER_VERSION: "bootloader update older than the running bootloader",
    }
    return words.get(reason, f"unknown verified-boot state {reason}")
