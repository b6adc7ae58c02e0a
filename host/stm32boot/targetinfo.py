"""What a bootloader says about itself: its HELLO answer (versions, chip, board, link limits) and the
memories it describes (CMD_MEMORY in protocol 3, inside the HELLO answer before), decoded through the
layouts of firmware/core/protocol.h."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import protocol as P
from ._protocol import lib
from .boards.model import Memory
from .protocol import ProtocolError


@dataclass
class TargetInfo:
    protocol_version: int
    bootloader_version: str
    chip_id: int
    board: str
    memories: list = field(default_factory=list)   # [Memory] as the bootloader reports them
    max_payload: int = lib.PROTO_MAX_PAYLOAD
    baud: int = lib.PROTO_DEFAULT_BAUD
    max_baud: int = lib.PROTO_DEFAULT_BAUD
    window: int = 1
    app_committed: bool | None = None   # protocol 2: the application record is valid (None: not reported)
    n_mems: int = 0
    caps: int = 0                       # PROTO_CAP_* (compress.supported)


def memory_from_reply(k: int, data: bytes) -> Memory:
    """Memory k from its CMD_MEMORY answer (protocol 3): struct proto_mem and its proto_run entries."""
    m = P.MEM.decode(data)
    if not 1 <= m.n_runs <= lib.PROTO_MAX_RUNS or len(data) < P.MEM.size + m.n_runs * P.RUN.size:
        raise ProtocolError(f"memory {k}: the bootloader's description is malformed "
                            f"({m.n_runs} sector runs in {len(data)} bytes)")
    runs = [P.RUN.decode(data, P.MEM.size + j * P.RUN.size) for j in range(m.n_runs)]
    return Memory(P.text(m.name), m.base, m.size, tuple((r.count, r.size) for r in runs),
                  program_unit=m.program_unit, page_size=m.page_size, erased=m.erased,
                  kind=P.KINDS.get(m.kind, f"kind {m.kind}"), protected_size=m.protected_size,
                  block_size=m.block_size, chip_erase=bool(m.chip_erase))


def _memory_v2(m) -> Memory:
    """A Memory from a protocol 1-2 HELLO entry: one sector size (a board with uneven sectors reported its smallest)."""
    sec = m.sector_size or m.size
    return Memory(P.text(m.name), m.base, m.size, ((m.size // sec, sec),), program_unit=m.program_unit,
                  page_size=m.page_size, erased=m.erased, kind=P.KINDS.get(m.kind, f"kind {m.kind}"),
                  protected_size=m.protected_size)


def info_from_reply(raw: bytes) -> TargetInfo:
    """The HELLO answer: proto_info (shorter in protocol 1), plus the memories in protocols 1-2."""
    i = P.INFO.decode(raw.ljust(P.INFO.size, b"\0"))    # (a protocol-1 answer is shorter: checked next)
    pv = i.proto_version
    n_info = P.INFO.size if pv >= 2 else lib.PROTO_INFO_V1_SIZE
    if len(raw) < n_info:
        raise ProtocolError(f"HELLO reply too short ({len(raw)} bytes): not an stm32boot bootloader?")
    if not lib.PROTO_VERSION_OLDEST <= pv <= lib.PROTO_VERSION:
        raise ProtocolError(f"the bootloader speaks protocol version {pv}, this tool {lib.PROTO_VERSION}: "
                            f"update {'the tool' if pv > lib.PROTO_VERSION else 'the bootloader'}")
    mems = []
    if pv < 3:   # protocols 1-2: the memories follow in the HELLO answer
        mems = [_memory_v2(P.MEM_V2.decode(raw, n_info + k * P.MEM_V2.size)) for k in range(i.n_mems)]
    app = bool(i.app_committed) if pv >= 2 else None
    return TargetInfo(pv, f"{i.bl_version >> 8}.{i.bl_version & 0xFF}", i.chip_id, P.text(i.board), mems,
                      i.max_payload, i.baud, i.max_baud, i.window, app, i.n_mems,
                      i.caps if pv >= 2 else 0)


def outdated_message(i: TargetInfo) -> str:
    """One line for a board whose bootloader speaks an older protocol: what it is, how to update it."""
    board = f" board={i.board}" if i.board else ""
    return (f"the bootloader on this board (version {i.bootloader_version}, protocol {i.protocol_version}) "
            f"predates protocol {lib.PROTO_VERSION}; nothing was changed. Update it first: "
            f"`doit flash-loader{board}` (stm32boot update-bootloader)")
