/* stm32boot wire protocol: THE definition, included by the bootloader and read by cffi for the host
 * (native/ffi_protocol.py -> stm32boot._protocol). Everything between CFFI-BEGIN and CFFI-END must stay
 * plain: object-like #defines with integer values, enums, and packed structs (no function-like macros).
 *
 * Frame (both directions, little-endian):
 *   [proto_hdr 10 B: SYNC0 SYNC1 cmd flags seq len nlen] [payload: len bytes] [crc32: 4 B]
 *   crc32 = CRC-32/MPEG-2 (native/crc32.h) over the header (sync included) and the payload.
 *   nlen = ~len: the length is checked on its own before the receiver commits to waiting for a payload,
 *   so one corrupt length byte cannot swallow the following frames.
 * Resync rule: hunt for SYNC0 SYNC1; accept the header only if nlen == ~len and len <= PROTO_MAX_PAYLOAD;
 *   otherwise restart the hunt at the byte after SYNC0. A frame whose CRC fails is discarded (and answered
 *   with BAD_CRC when the header looked sane); the hunt resumes after its SYNC0. A frame left incomplete
 *   for 50 ms of silence is abandoned the same way (a host killed mid-frame must not swallow the next HELLO).
 * Sequence numbers (16 bit, per request): the bootloader applies frames strictly in order. HELLO always
 *   (re)starts the session at its own seq. A frame ahead of the expected seq (one was lost) is NOT applied
 *   and is answered SEQ_ERROR with `detail` = the expected seq (the host goes back to it). A frame behind
 *   (a retransmission) is NEVER applied again: the reply recorded for that seq is sent again (READ and CRC,
 *   MEMORY and BOOT_STATUS, which change nothing, are re-executed so their data come back).
 * Windowing: the host may keep up to proto_info.window request frames in flight (never more than
 *   PROTO_WINDOW); the bootloader has that many receive buffers, sized by its board from the RAM it has,
 *   and keeps receiving while it programs (it polls the UART inside every busy wait). A host keeps at
 *   most min(window, its own PROTO_WINDOW) in flight, so hosts and bootloaders of other builds agree.
 * Every reply: header with the request's cmd and seq and PROTO_FLAG_REPLY, payload = proto_status
 *   (+ command data). One status enum for every layer, in words every chip shares; `addr` names the
 *   failing address, `detail` the raw status register of the controller that failed (internal flash: its
 *   flash controller's status register; external NOR: the NOR's status register, or the SPI controller's
 *   on a transfer error), or the expected seq.
 * Connecting (protocol 3): HELLO answers proto_info alone; the host then asks CMD_MEMORY once per memory
 *   (n_mems of them) for its proto_mem and sector runs. A HELLO answer stays short on purpose: on a link
 *   that damages one byte in a hundred, its 66-byte frame arrives intact 52 % of the time, the 130 bytes of
 *   protocol 2's (memories included) 27 %, and with sector runs added ~160 bytes, 20 %. CMD_MEMORY goes
 *   through the windowed, retransmitting sender like any other request.
 * Older bootloaders (protocol 1 and 2) answer HELLO with proto_info (36 bytes in protocol 1) followed
 *   by proto_mem_v2[n_mems]; HELLO, READ, CRC, STAGE, UPDATE_BL and RESET are unchanged since protocol 1,
 *   so the host can still update them (it changes no memory through them). Their status codes 8..16 were
 *   controller-specific (PROTO_ST_V2_FIRST..PROTO_ST_V2_LAST): protocol 3 never sends them.
 */
#ifndef STM32BOOT_PROTOCOL_H
#define STM32BOOT_PROTOCOL_H

#include <stdint.h>

#define PROTO_PACKED __attribute__((packed))

/* CFFI-BEGIN */
#define PROTO_VERSION        3      /* 2: CMD_COMMIT and the application record; 3: CMD_MEMORY (sector runs),
                                       statuses in words every chip shares */
#define PROTO_VERSION_OLDEST 1      /* oldest bootloader a host still talks to: HELLO, READ, CRC, STAGE,
                                       UPDATE_BL and RESET are unchanged since, so it can be updated */
#define PROTO_SYNC0          0xA5
#define PROTO_SYNC1          0x5B
#define PROTO_HDR_SIZE       10
#define PROTO_CRC_SIZE       4
#define PROTO_MAX_DATA       4096   /* data bytes per WRITE / READ */
#define PROTO_MAX_PAYLOAD    4112   /* advertised limit; >= MAX_DATA + the largest request header */
#define PROTO_WINDOW         32     /* the most frames in flight any bootloader advertises (proto_info.window:
                                       its receive buffers, which its board sizes; 8 before boards did) */
#define PROTO_MAX_MEMS       4
#define PROTO_MAX_RUNS       8      /* runs of equal sectors per memory (CMD_MEMORY) */
#define PROTO_MAX_RANGES     64     /* (addr, len) pairs per CRC request */
#define PROTO_MAX_SECTORS    64     /* sector addresses per ERASE request */
#define PROTO_DEFAULT_BAUD   115200
#define PROTO_BAUD_WINDOW_MS 500    /* SET_BAUD: HELLO must arrive at the new rate within this, or revert */
#define PROTO_FLAG_REPLY     0x80
#define PROTO_FLAG_DUP       0x40   /* reply: this seq was already applied; status is the recorded one */
#define PROTO_FLAG_TRY_MASK  0x0F   /* request: transmission count mod 16, echoed in the reply, so the host
                                       can tell an answer to an old copy from one to its latest copy */
#define PROTO_RESET_RUN_APP  1      /* RESET arg: start the application (else stay in the bootloader) */
#define PROTO_ERASE_WHOLE    0x1    /* ERASE: an entry `base | PROTO_ERASE_WHOLE` erases that whole memory with
                                       one command (sector entries are aligned, so bit 0 is otherwise 0);
                                       ST_ALIGN when the memory has no such command or is protected */
#define PROTO_IDENT_MAGIC0   0x336D7473  /* proto_ident.magic0: "stm3" in memory (little-endian) */
#define PROTO_IDENT_MAGIC1   0x4C426232  /* proto_ident.magic1: "2bBL" */
#define PROTO_MEM_INTERNAL   0      /* proto_mem.kind: what the memory is, not which controller drives it */
#define PROTO_MEM_EXTERNAL_NOR 1    /* an external NOR (octal, quad-SPI ...) */
#define PROTO_INFO_V1_SIZE   36     /* proto_info as protocol 1 sent it (no app_committed) */
#define PROTO_ST_V2_FIRST    8      /* status codes protocols 1-2 used for controller-specific errors */
#define PROTO_ST_V2_LAST     16

/* Compressed writes: CMD_WRITE_Z carries one self-contained raw DEFLATE stream (RFC 1951, no zlib header)
 * that decodes to the data of a CMD_WRITE at the same address: at most PROTO_MAX_DATA bytes, referring
 * back only to bytes of the same frame, so every frame decodes on its own (a resent frame is the same
 * work). After decoding it is a CMD_WRITE: same checks, same statuses. */
#define PROTO_CAP_WRITE_Z    0x01   /* proto_info.caps: the bootloader takes CMD_WRITE_Z */

enum proto_cmd {
    CMD_HELLO    = 0x01,  /* -> proto_info; (re)starts the sequence (protocol 1-2: + proto_mem_v2[n_mems]) */
    CMD_MEMORY   = 0x10,  /* proto_memory_req -> proto_mem + proto_run[n_runs] (protocol 3); changes nothing */
    CMD_SET_BAUD = 0x02,  /* proto_baud_req -> status at the OLD rate, then switch */
    CMD_ERASE    = 0x03,  /* uint32 sector_addr[] -> status; aligned runs of listed sectors that fill a
                             device erase block are erased with one block command */
    CMD_WRITE    = 0x04,  /* proto_write_req + data -> status */
    CMD_READ     = 0x05,  /* proto_read_req -> status + data */
    CMD_CRC      = 0x06,  /* proto_range[] -> status + uint32 crc[] */
    CMD_RESET    = 0x07,  /* uint32 flags (PROTO_RESET_RUN_APP) -> status, then reset */
    CMD_STAGE    = 0x08,  /* proto_write_req (offset in the staging RAM) + data -> status */
    CMD_UPDATE_BL = 0x09, /* proto_update_req -> status; then a RAM updater rewrites the bootloader's
                             sector from the staging RAM, verifies it and resets (into the new bootloader).
                             A release bootloader takes only an MCUboot image signed by its key, not older
                             than itself; else BAD_IMAGE with detail = enum proto_boot (why) */
    CMD_BOOT_STATUS = 0x0A, /* -> proto_boot_status: development or release, and why the app did (not) start */
    CMD_COMMIT   = 0x0B,  /* proto_commit_req -> status: write the application record (bl.c, "the
                             application record"); sent last, after every range of the session verified */
    CMD_WRITE_Z  = 0x0C   /* proto_write_req + raw DEFLATE stream -> status: a WRITE whose data arrive
                             compressed (PROTO_CAP_WRITE_Z) */
};

enum proto_st {
    ST_OK = 0,
    ST_BAD_CRC = 1,              /* frame CRC mismatch (detail = CRC received) */
    ST_BAD_LEN = 2,              /* payload length wrong for the command */
    ST_BAD_CMD = 3,              /* unknown command */
    ST_SEQ_ERROR = 4,            /* frame out of order, not applied; detail = expected seq */
    ST_ADDR_OUT_OF_RANGE = 5,    /* addr not inside a writable memory of this board */
    ST_PROTECTED_BOOTLOADER = 6, /* addr inside the bootloader's own sector */
    ST_ALIGN = 7,                /* addr/len not a multiple of the memory's program unit / not a sector start */
    /* 8..16: protocol 1-2 controller-specific codes (PROTO_ST_V2_FIRST..LAST), never sent since */
    ST_VERIFY_FAIL = 17,         /* read-back after program differs; addr = first differing byte */
    ST_BAD_BAUD = 18,            /* baud rate not reachable within tolerance; detail = closest rate */
    ST_NOT_ERASED = 19,          /* program target not in the erased state; detail = what it holds */
    ST_INTERNAL = 20,
    ST_BAD_IMAGE = 21,           /* staged bootloader: CRC mismatch, too large, or no sane vector table;
                                    release: detail = enum proto_boot reason */
    ST_REFUSED = 22,             /* a release bootloader does not do this (READ; CRC of less than a sector) */
    ST_RECORD_FAIL = 23,         /* the application record could not be erased or written; addr = its address */
    ST_BAD_DATA = 24,            /* CMD_WRITE_Z: the stream is not valid DEFLATE or decodes to more than
                                    PROTO_MAX_DATA; addr = the write address, detail = -(INFL_E_* code) */
    /* Device errors (protocol 3, from 32 on), the same words for every memory; detail = the failing controller's raw
     * status register (the flash controller's; a NOR's own, or its SPI controller's on a transfer error) */
    ST_PROGRAM_SEQUENCE = 32,    /* the controller refused the operation as sequenced: alignment, parallelism,
                                    an operation started while another ran, a locked controller */
    ST_WRITE_PROTECTED = 33,     /* the sector is write-protected (option bytes, NOR protection bits) */
    ST_DEVICE_TIMEOUT = 34,      /* the memory stayed busy past its datasheet maximum */
    ST_TRANSFER_ERROR = 35,      /* the controller's transfer to or from the device failed (bus, SPI) */
    ST_ECC = 36,                 /* uncorrectable ECC error reading the memory */
    ST_OPERATION_FAILED = 37,    /* the device reports the erase or program itself failed */
    ST_UNKNOWN_DEVICE = 38,      /* the external memory did not identify as a supported part; detail = its ID */
    ST_COUNT = 39
};

struct proto_hdr {
    uint8_t sync0;
    uint8_t sync1;
    uint8_t cmd;
    uint8_t flags;
    uint16_t seq;
    uint16_t len;     /* payload bytes */
    uint16_t nlen;    /* ~len */
} PROTO_PACKED;

struct proto_status {
    uint8_t status;   /* enum proto_st */
    uint8_t cmd;      /* the command it answers */
    uint16_t rsvd;
    uint32_t addr;    /* failing address (0 when none) */
    uint32_t detail;  /* controller snapshot / expected seq / closest baud */
} PROTO_PACKED;

struct proto_info {   /* HELLO reply data, after proto_status */
    uint16_t proto_version;
    uint16_t bl_version;     /* major << 8 | minor */
    uint32_t chip_id;        /* DBGMCU_IDCODE */
    uint32_t baud;           /* current rate */
    uint32_t max_baud;       /* fastest rate the UART clock reaches exactly */
    uint16_t max_payload;
    uint8_t window;          /* request frames the host may have in flight (<= PROTO_WINDOW) */
    uint8_t n_mems;
    char board[16];          /* NUL-padded board name, as in the host's board registry */
    uint8_t app_committed;   /* protocol 2: 1 when the application record is valid (core/apprec.h) */
    uint8_t caps;            /* PROTO_CAP_* the bootloader has (0 before they existed) */
    uint8_t rsvd[2];
} PROTO_PACKED;

struct proto_memory_req {  /* CMD_MEMORY */
    uint8_t index;           /* 0 .. proto_info.n_mems - 1 */
} PROTO_PACKED;

struct proto_mem {           /* CMD_MEMORY reply data, after proto_status; proto_run[n_runs] follow */
    char name[8];            /* "flash", "nor": the board description's name */
    uint32_t base;
    uint32_t size;           /* = the sum of the runs */
    uint32_t protected_size; /* bytes at base the bootloader refuses (its own sectors) */
    uint32_t block_size;     /* erase unit larger than a sector (a NOR's 64 KB block), 0: none */
    uint16_t program_unit;
    uint16_t page_size;
    uint8_t erased;
    uint8_t kind;            /* PROTO_MEM_* */
    uint8_t n_runs;          /* <= PROTO_MAX_RUNS */
    uint8_t chip_erase;      /* 1: PROTO_ERASE_WHOLE erases it with one command */
} PROTO_PACKED;

struct proto_run {           /* `count` sectors of `size` bytes, in address order from base */
    uint32_t count;
    uint32_t size;
} PROTO_PACKED;

struct proto_mem_v2 {        /* protocols 1 and 2: HELLO reply, after proto_info, one per memory */
    char name[8];
    uint32_t base;
    uint32_t size;
    uint32_t sector_size;    /* one size for the whole memory */
    uint32_t protected_size;
    uint16_t program_unit;
    uint16_t page_size;
    uint8_t erased;
    uint8_t kind;
    uint16_t rsvd;
} PROTO_PACKED;

struct proto_baud_req {
    uint32_t baud;
    uint32_t window_ms;      /* 0: PROTO_BAUD_WINDOW_MS */
} PROTO_PACKED;

struct proto_write_req {
    uint32_t addr;           /* data follow; len = payload len - 4 */
} PROTO_PACKED;

struct proto_read_req {
    uint32_t addr;
    uint32_t len;            /* <= PROTO_MAX_DATA */
} PROTO_PACKED;

struct proto_update_req {
    uint32_t len;            /* bytes staged from offset 0 */
    uint32_t crc;            /* CRC-32/MPEG-2 of them */
} PROTO_PACKED;

/* Identity record inside every bootloader image (boards/<board>/ident.c): the host finds it by its magic
 * before `update-bootloader` hands an image over, and refuses an image that is not a bootloader for the
 * board it talks to or speaks another protocol version. */
struct proto_ident {
    uint32_t magic0;         /* PROTO_IDENT_MAGIC0 */
    uint32_t magic1;         /* PROTO_IDENT_MAGIC1 */
    uint16_t proto_version;  /* PROTO_VERSION it was built with */
    uint16_t bl_version;     /* major << 8 | minor */
    char board[16];          /* NUL-padded board name, as in proto_info */
} PROTO_PACKED;

struct proto_commit_req {
    uint32_t image_crc;      /* the host's digest of the image it verified (kept in the record) */
} PROTO_PACKED;

struct proto_range {
    uint32_t addr;
    uint32_t len;
} PROTO_PACKED;

/* Verified boot (release bootloader, firmware/core/verify.c): the outcome of the last check. */
enum proto_boot {
    BOOT_DEVELOPMENT = 0,    /* development bootloader: unsigned images boot, nothing is checked */
    BOOT_VERIFIED = 1,       /* the application verified (and starts unless the host spoke) */
    BOOT_NO_IMAGE = 2,       /* no MCUboot header at the slot */
    BOOT_BAD_HEADER = 3,     /* header fields out of bounds (sizes, flags) */
    BOOT_BAD_TLV = 4,        /* TLV areas malformed or truncated (addr = offset) */
    BOOT_BAD_HASH = 5,       /* SHA-256 of header+payload+protected TLVs differs from the SHA256 TLV */
    BOOT_UNKNOWN_KEY = 6,    /* KEYHASH names a key this bootloader does not hold */
    BOOT_BAD_SIGNATURE = 7,  /* Ed25519 signature missing or wrong */
    BOOT_NOR_ALTERED = 8,    /* external range addr..addr+have-1 does not match its signed SHA-256 */
    BOOT_BAD_RANGE = 9,      /* an external range outside the readable memories */
    BOOT_ROLLBACK = 10,      /* security counter `want` below the highest booted `have` */
    BOOT_BAD_VECTORS = 11,   /* no sane stack pointer / reset vector in the payload */
    BOOT_OLDER_VERSION = 12  /* bootloader update: version `want` below ours `have` */
};

struct proto_boot_status {
    uint8_t release;         /* 1: release bootloader (verified boot) */
    uint8_t reason;          /* enum proto_boot */
    uint16_t rsvd;
    uint32_t addr;           /* failing address / offset */
    uint32_t have;           /* ROLLBACK: highest counter booted; NOR_ALTERED: range length */
    uint32_t want;           /* ROLLBACK: the image's counter */
    uint32_t counter;        /* highest security counter booted (stored, survives power cuts) */
    uint32_t version;        /* this bootloader's version: major << 24 | minor << 16 | revision */
    uint8_t key[32];         /* release: the Ed25519 public key it verifies with */
} PROTO_PACKED;
/* CFFI-END */

_Static_assert(sizeof(struct proto_hdr) == PROTO_HDR_SIZE, "header size");
_Static_assert(sizeof(struct proto_status) == 12, "status size");
_Static_assert(sizeof(struct proto_info) == 40, "info size");
_Static_assert(__builtin_offsetof(struct proto_info, app_committed) == PROTO_INFO_V1_SIZE, "protocol 1 info");
_Static_assert(sizeof(struct proto_mem) == 32, "mem size");
_Static_assert(sizeof(struct proto_mem_v2) == 32, "protocol 2 mem size");
_Static_assert(PROTO_MAX_PAYLOAD >= sizeof(struct proto_status) + sizeof(struct proto_mem)
               + PROTO_MAX_RUNS * sizeof(struct proto_run), "memory reply");
_Static_assert(sizeof(struct proto_ident) == 28, "ident size");
_Static_assert(sizeof(struct proto_boot_status) == 56, "boot status size");
_Static_assert(PROTO_MAX_PAYLOAD >= PROTO_MAX_DATA + sizeof(struct proto_write_req), "payload");
_Static_assert(PROTO_MAX_PAYLOAD >= sizeof(struct proto_status) + PROTO_MAX_DATA, "read reply");

#endif
