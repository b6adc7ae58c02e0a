"""cffi build script for stm32boot._native: CRC-32/MPEG-2 and page packing (native/crc32.c, pack.c).

Private: Python code goes through stm32boot.native. crc32.c is the very file the firmware links.
"""
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import build, native_builder  # noqa: E402

MODULE = "stm32boot._native"

CDEF = """
uint32_t crc32_mpeg2(uint32_t crc, const void *data, size_t len);
uint32_t crc32_mpeg2_table(uint32_t crc, const void *data, size_t len);

typedef struct { uint64_t addr; uint64_t len; const uint8_t *data; } pack_segment;
typedef struct { uint64_t count; uint64_t size; } pack_run;
typedef struct {
    uint64_t base; uint64_t size; const pack_run *runs; size_t nruns;
    uint64_t page_size; uint64_t program_unit; uint8_t erased;
} pack_geometry;
typedef struct { uint64_t addr; uint64_t size; uint32_t crc; } pack_sector;
typedef struct {
    uint8_t *data; uint64_t *page_addr; size_t npages; size_t blank_pages;
    pack_sector *sectors; size_t nsectors;
    int err; int err_detail; uint64_t err_addr; size_t err_seg[2]; uint8_t err_byte[2];
} pack_result;
#define PACK_OK ...
#define PACK_E_RANGE ...
#define PACK_E_CONFLICT ...
#define PACK_E_GEOMETRY ...
#define PACK_E_NOMEM ...
#define PACK_G_PAGE_SIZE ...
#define PACK_G_PROGRAM_UNIT ...
#define PACK_G_SECTORS ...
#define PACK_G_ALIGN ...
int pack_image(const pack_segment *segs, size_t nseg, const pack_geometry *geom, pack_result *out);
void pack_free(void *p);
"""
# The carry-less path exists only on x86-64 hosts (crc32.h).
X86 = platform.machine().lower() in ("x86_64", "amd64")
if X86:
    CDEF += """
int crc32_mpeg2_has_clmul(void);
uint32_t crc32_mpeg2_clmul(uint32_t crc, const void *data, size_t len);
"""

ffibuilder = native_builder(MODULE, CDEF, ["crc32", "pack"], "-O3")

if __name__ == "__main__":
    build(ffibuilder, MODULE)
