/* Virtual-clock block hook state shared with Python through cffi (see vclock.c). */
#ifndef VCLOCK_H
#define VCLOCK_H
#include <stdint.h>

#define VCLOCK_CACHE_BITS 14
#define VCLOCK_CACHE_SIZE (1u << VCLOCK_CACHE_BITS)
#define VCLOCK_MAX_BLOCK 4096

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
    struct vclock_entry cache[VCLOCK_CACHE_SIZE];
};

void vclock_block_hook(void *uc, uint64_t address, uint32_t size, void *user);
void vclock_flush(struct vclock *vc);
uintptr_t vclock_hook_address(void);
#endif
