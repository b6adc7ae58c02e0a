"""AN3155 framing: the bytes of every command, their checksums, and the CRC the ROM's Get Checksum
command computes. Pure functions, shared by the client (rom/client.py) and the simulator's models.

AN3155 §2 ("USART bootloader code sequence"): every command is its opcode followed by the opcode's
complement; an address is 4 bytes MSB first followed by their XOR; a byte count N-1 is sent with the
data and a checksum that XORs the count and every data byte. ACK 0x79, NACK 0x1F, sync 0x7F (§2).
"""
from __future__ import annotations

from functools import reduce

SYNC, ACK, NACK = 0x7F, 0x79, 0x1F
BITS_PER_BYTE = 11                 # 8E1: start + 8 data + parity + stop (AN3155 §1)
MAX_BLOCK = 256                    # Read/Write Memory carry at most 256 bytes (AN3155 §3.4, §3.6)


class Cmd:
    """AN3155 §3 command codes."""
    GET, GET_VERSION, GET_ID = 0x00, 0x01, 0x02
    READ, GO, WRITE = 0x11, 0x21, 0x31
    ERASE, EXT_ERASE = 0x43, 0x44
    WRITE_PROTECT, WRITE_UNPROTECT = 0x63, 0x73
    READOUT_PROTECT, READOUT_UNPROTECT = 0x82, 0x92
    GET_CHECKSUM = 0xA1


NAMES = {Cmd.GET: "Get", Cmd.GET_VERSION: "Get Version", Cmd.GET_ID: "Get ID", Cmd.READ: "Read Memory",
         Cmd.GO: "Go", Cmd.WRITE: "Write Memory", Cmd.ERASE: "Erase", Cmd.EXT_ERASE: "Extended Erase",
         Cmd.WRITE_PROTECT: "Write Protect", Cmd.WRITE_UNPROTECT: "Write Unprotect",
         Cmd.READOUT_PROTECT: "Readout Protect", Cmd.READOUT_UNPROTECT: "Readout Unprotect",
         Cmd.GET_CHECKSUM: "Get Checksum"}

# Extended Erase special codes (AN3155 §3.8): global, bank 1, bank 2.
MASS_ERASE, BANK1_ERASE, BANK2_ERASE = 0xFFFF, 0xFFFE, 0xFFFD


def xor(data) -> int:
    return reduce(lambda a, b: a ^ b, bytes(data), 0)


def command(code: int) -> bytes:
    return bytes((code, code ^ 0xFF))


def address(addr: int) -> bytes:
    a = (addr & 0xFFFFFFFF).to_bytes(4, "big")
    return a + bytes((xor(a),))


def read_count(n: int) -> bytes:
    """Read Memory's length: N-1 and its complement (AN3155 §3.4)."""
    return bytes((n - 1, (n - 1) ^ 0xFF))


def data_block(data: bytes) -> bytes:
    """Write Memory / Write Protect payload: N-1, the bytes, XOR of all (AN3155 §3.6, §3.9)."""
    body = bytes((len(data) - 1,)) + bytes(data)
    return body + bytes((xor(body),))


def erase_pages(pages: list[int]) -> bytes:
    """Erase (0x43) page list: N-1, one byte per page, checksum (AN3155 §3.7); at most 255 pages."""
    body = bytes((len(pages) - 1,)) + bytes(pages)
    return body + bytes((xor(body),))


def erase_global() -> bytes:
    return b"\xff\x00"


def ext_erase_pages(pages: list[int]) -> bytes:
    """Extended Erase (0x44) list: N-1 on 16 bits, 16-bit page numbers, checksum (AN3155 §3.8)."""
    body = (len(pages) - 1).to_bytes(2, "big") + b"".join(p.to_bytes(2, "big") for p in pages)
    return body + bytes((xor(body),))


def ext_erase_special(code: int) -> bytes:
    b = code.to_bytes(2, "big")
    return b + bytes((xor(b),))


def word4(value: int) -> bytes:
    """A 32-bit field of Get Checksum followed by its XOR (AN3155 §3.14)."""
    return address(value)


CRC_POLY, CRC_INIT = 0x04C11DB7, 0xFFFFFFFF


def crc_words(data, init: int = CRC_INIT, poly: int = CRC_POLY) -> int:
    """What Get Checksum returns: the CRC unit fed 32-bit words as they sit in memory (little endian),
    each word MSB first, no reflection, no final XOR (AN3155 §3.14; the CRC units of RM0410 §6,
    RM0468 §22). With the default polynomial this equals CRC-32/MPEG-2 over each word's bytes reversed."""
    data = bytes(data)
    if len(data) % 4:
        raise ValueError("Get Checksum covers whole 32-bit words")
    if poly == CRC_POLY:
        from ..native import crc32
        swapped = bytearray(len(data))
        swapped[0::4], swapped[1::4], swapped[2::4], swapped[3::4] = data[3::4], data[2::4], data[1::4], data[0::4]
        return crc32(bytes(swapped), init)
    crc = init
    for i in range(0, len(data), 4):
        crc ^= int.from_bytes(data[i:i + 4], "little")
        for _ in range(32):
            crc = ((crc << 1) ^ poly) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def wire_seconds(n_bytes: int, baud: int) -> float:
    return n_bytes * BITS_PER_BYTE / baud
