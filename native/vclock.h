/* Virtual-clock block hook state shared with Python through cffi (see vclock.c). */
#ifndef VCLOCK_H
#define VCLOCK_H
#include <stdint.h>

#define VCLOCK_CACHE_BITS 14
#define VCLOCK_CACHE_SIZE (1u << VCLOCK_CACHE_BITS)
#define VCLOCK_MAX_BLOCK 4096
#define VCLOCK_SINK_MAX 256   /* bytes a write sink collects before Python must take them */

struct vclock_entry {
    uint32_t addr;
    uint32_t size;
    uint32_t count;
};

struct vclock {
    uint64_t insns;           /* instructions executed (counted at block entry) */
    uint64_t deadline;        /* stop once insns >= deadline */
    uint64_t blocks;
    uint64_t cache_misses;
    int stop_requested;       /* set by the hook when it stopped emulation; Python clears it */
    int (*mem_read)(void *uc, uint64_t addr, void *buf, uint64_t size);
    int (*emu_stop)(void *uc);
    void *py;                 /* the machine's cffi handle: passed back to the Python MMIO callbacks */
    /* Write sink: writes of at most sink_left bytes to sink_addr are collected here instead of calling
     * Python (a FIFO data register being filled); the model takes them before anything else happens. */
    uint64_t sink_addr;
    uint32_t sink_left;
    uint32_t sink_len;
    uint64_t sink_writes;     /* writes the sink took, ever */
    /* While the sink is armed the controller's status register cannot change without a Python-side
     * access (which re-arms with a fresh value): 32-bit reads of it are answered with this value. */
    uint64_t sink_sr_addr;
    uint32_t sink_sr_value;
    uint64_t sink_sr_reads;
    uint8_t sink_buf[VCLOCK_SINK_MAX];
    /* Time source: 32-bit reads of tsrc_addr (a cycle counter) answered here while no event is due
     * (insns < deadline): the machine's cycle count at `insns`, computed exactly as the machine does
     * (instructions -> picoseconds -> cycles, both rounded down), plus the counter's own offset. */
    uint64_t tsrc_addr;
    uint64_t tsrc_insn_base;
    uint64_t tsrc_cyc_base;
    uint64_t tsrc_hz;
    uint32_t tsrc_cpi;
    uint32_t tsrc_offset;
    uint64_t time_reads;      /* reads the time source answered, ever */
    struct vclock_entry cache[VCLOCK_CACHE_SIZE];
};

/* One mapped peripheral block: unicorn hands it to the MMIO callbacks with the offset in the block. */
struct vclock_mmio {
    struct vclock *vc;
    uint64_t base;
};

void vclock_block_hook(void *uc, uint64_t address, uint32_t size, void *user);
void vclock_flush(struct vclock *vc);
uintptr_t vclock_hook_address(void);
uintptr_t vclock_mmio_read_address(void);
uintptr_t vclock_mmio_write_address(void);
uintptr_t vclock_mem_event_address(void);
/* Defined by the cffi module (extern "Python+C"): the machine's register dispatch. */
uint64_t vclock_py_read(void *py, uint64_t addr, unsigned size);
void vclock_py_write(void *py, uint64_t addr, unsigned size, uint64_t value);
int vclock_py_mem_event(void *py, int type, uint64_t addr, int size, int64_t value);
#endif
