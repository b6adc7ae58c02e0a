"""cffi build of the simulator's virtual-clock block hook and MMIO entry points (native/vclock.c) -> stm32boot.sim._vclock."""
import os
import sys

from cffi import FFI

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ffibuild import NATIVE, build  # noqa: E402

MODULE = "stm32boot.sim._vclock"

ffibuilder = FFI()
ffibuilder.cdef("""
#define VCLOCK_CACHE_SIZE ...
#define VCLOCK_RC_POLLED ...
struct vclock_entry { uint32_t addr; uint32_t size; uint32_t count; };
struct vclock_rc { uint64_t addr; uint32_t size; uint32_t value; uint32_t kind; };
struct vclock_post { uint64_t addr; uint32_t size; uint32_t value; };
struct vclock {
    uint64_t insns;
    uint64_t deadline;
    uint64_t io_deadline;
    uint64_t blocks;
    uint64_t cache_misses;
    int stop_requested;
    int (*mem_read)(void *uc, uint64_t addr, void *buf, uint64_t size);
    int (*emu_stop)(void *uc);
    void *py;
    uint64_t sink_addr;
    uint32_t sink_left;
    uint32_t sink_len;
    uint64_t sink_writes;
    uint64_t sink_sr_addr;
    uint32_t sink_sr_value;
    uint64_t sink_sr_reads;
    uint8_t sink_buf[...];
    uint64_t tsrc_addr;
    uint64_t tsrc_insn_base;
    uint64_t tsrc_cyc_base;
    uint64_t tsrc_hz;
    uint32_t tsrc_cpi;
    uint32_t tsrc_offset;
    uint64_t time_reads;
    uint64_t idle_addr;
    uint32_t idle_val;
    uint32_t idle_count;
    uint64_t idle_insns;
    uint64_t idle_time_reads;
    uint32_t idle_timed;
    uint32_t poll_k;
    uint64_t poll_gap;
    uint32_t rc_n;
    uint64_t rc_hits;
    uint32_t post_n;
    uint32_t post_tab_n;
    uint64_t posted;
    uint64_t post_tab[...];
    struct vclock_post post[...];
    uint8_t *guard_mem;
    uint64_t guard_base;
    uint64_t guard_size;
    int guard_type;
    uint32_t guard_n;
    uint64_t guards;
    uint32_t guard_flush_lo;
    uint32_t guard_flush_hi;
    ...;
};
struct vclock_mmio { struct vclock *vc; uint64_t base; };
void vclock_flush(struct vclock *vc);
int vclock_idle_status(struct vclock *vc, uint64_t addr, uint32_t value);
void vclock_rc_put(struct vclock *vc, uint64_t addr, uint32_t size, uint32_t value, uint32_t kind);
void vclock_rc_drop(struct vclock *vc, uint64_t lo, uint64_t hi);
int vclock_executed(struct vclock *vc, uint32_t lo, uint32_t hi);
void vclock_guard_restore(struct vclock *vc);
#define VCLOCK_GUARD_MAX ...
uintptr_t vclock_hook_address(void);
uintptr_t vclock_mmio_read_address(void);
uintptr_t vclock_mmio_write_address(void);
uintptr_t vclock_mem_event_address(void);
extern "Python+C" uint64_t vclock_py_read(void *py, uint64_t addr, unsigned size);
extern "Python+C" void vclock_py_write(void *py, uint64_t addr, unsigned size, uint64_t value);
extern "Python+C" int vclock_py_mem_event(void *py, int type, uint64_t addr, int size, int64_t value);
""")
ffibuilder.set_source(MODULE, '#include "vclock.h"', sources=[os.path.join(NATIVE, "vclock.c")],
                      include_dirs=[NATIVE], extra_compile_args=["-O2"])

if __name__ == "__main__":
    build(ffibuilder, MODULE)
