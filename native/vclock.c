/* Virtual-clock block hook for unicorn (docs/emulator-notes.md): counts executed Thumb instructions
 * exactly and stops emulation at a deadline (the scheduler's next event), without a Python crossing
 * per block. Pure delay loops are skipped up to the deadline (spin_enter). The MMIO entry points are in
 * vclock_bus.c. unicorn is not linked: Python hands us uc_mem_read / uc_emu_stop / uc_reg_* function pointers, so
 * this module does not depend on where the unicorn wheel keeps its shared library. */
#include <stdint.h>
#include <string.h>
#include "vclock.h"

/* Widen the executed range of addr's 256 MB bucket (never narrowed: a translation may outlive a flush). */
static void note_exec(struct vclock *vc, uint32_t addr, uint32_t size)
{
    unsigned b = addr >> 28;
    uint32_t end = addr + size;
    if (!vc->exec_hi[b] || addr < vc->exec_lo[b])
        vc->exec_lo[b] = addr;
    if (end > vc->exec_hi[b])
        vc->exec_hi[b] = end;
}

int vclock_executed(struct vclock *vc, uint32_t lo, uint32_t hi)
{
    if (hi <= lo)
        return 0;
    for (unsigned b = lo >> 28; b <= (hi - 1) >> 28; b++)
        if (vc->exec_hi[b] && lo < vc->exec_hi[b] && vc->exec_lo[b] < hi)
            return 1;
    return 0;
}

/* A block of exactly `subs Rn, #1` (16-bit, T2: flag-setting outside an IT block) and `bne.n` back to
 * its own start (ARMv7-M ARM A7.7.174 and A7.7.12, T1 with imm8 = -3): 1 + n, else 0. */
static uint32_t spin_reg(const uint8_t *buf, uint32_t size)
{
    if (size != 4)
        return 0;
    uint16_t op = (uint16_t)(buf[0] | buf[1] << 8), br = (uint16_t)(buf[2] | buf[3] << 8);
    return (op & 0xF8FFu) == 0x3801u && br == 0xD1FDu ? 1u + ((op >> 8) & 7u) : 0;
}

/* Decode a block not yet in the cache into its free entry `e`: out of line, so that the hot path (a hit)
 * sets up no decode buffer. */
__attribute__((noinline)) static uint32_t count_new(struct vclock *vc, void *uc, uint64_t addr, uint32_t size,
                                                    struct vclock_entry *e)
{
    uint32_t n = 0;
    uint8_t buf[VCLOCK_MAX_BLOCK];
    note_exec(vc, (uint32_t)addr, size);
    if (size > sizeof buf || vc->mem_read(uc, addr, buf, size) != 0)
        return size / 2 ? size / 2 : 1;   /* cannot decode (huge block or unreadable): half-word estimate, not cached */
    for (uint32_t i = 0; i + 1 < size; ) {
        uint16_t hw = (uint16_t)(buf[i] | buf[i + 1] << 8);
        /* Thumb-2: first half-word 0b11101/0b11110/0b11111 starts a 32-bit instruction. */
        i += ((hw >> 11) >= 0x1D) ? 4 : 2;
        n++;
    }
    if (!n)
        n = 1;
    e->addr = (uint32_t)addr;
    e->size = size;
    e->count = n | spin_reg(buf, size) << VCLOCK_SPIN_SHIFT;
    return e->count;
}

/* Per-block instruction counts cached by (address, size): decoding costs a uc_mem_read, and the
 * same blocks run millions of times. Cleared whenever code memory changes (vclock_flush). Above
 * VCLOCK_SPIN_SHIFT: the block's delay-loop register (spin_reg), in the same word so that the hot
 * path reads no more than the count. */
static inline uint32_t count_block(struct vclock *vc, void *uc, uint64_t addr, uint32_t size)
{
    uint32_t key = (uint32_t)addr ^ (size << 20);
    uint32_t slot = (key * 2654435761u) >> (32 - VCLOCK_CACHE_BITS);
    for (uint32_t probe = 0; probe < 8; probe++) {
        struct vclock_entry *e = &vc->cache[(slot + probe) & (VCLOCK_CACHE_SIZE - 1)];
        if (e->count && e->addr == (uint32_t)addr && e->size == size)
            return e->count;
        if (!e->count)
            return count_new(vc, uc, addr, size, e);
    }
    vc->cache_misses++;
    note_exec(vc, (uint32_t)addr, size);
    return size / 2 ? size / 2 : 1;
}

/* Put back the bytes of every guarded store (vclock.h): what the array holds per its model. */
void vclock_guard_restore(struct vclock *vc)
{
    for (uint32_t i = 0; i < vc->guard_n; i++) {
        struct vclock_guard *g = &vc->guard[i];
        uint8_t *p = vc->guard_mem + g->off;
        if (memcmp(p, g->bytes, g->len) == 0)
            continue;
        memcpy(p, g->bytes, g->len);
        uint32_t lo = (uint32_t)vc->guard_base + g->off, hi = lo + g->len;
        if (vclock_executed(vc, lo, hi)) {   /* a translation may hold the stored bytes: Python drops it */
            if (!vc->guard_flush_hi || lo < vc->guard_flush_lo)
                vc->guard_flush_lo = lo;
            if (hi > vc->guard_flush_hi)
                vc->guard_flush_hi = hi;
            vc->deadline = 0;                /* and the run stops at the next block */
        }
    }
    vc->guard_n = 0;
}

/* The delay loop at `address` (register in `count`, count_block) is about to run, with insns < deadline. Running it pass by
 * pass, the hook would see each pass start at insns, insns + 2, ... and stop at the first one at or past
 * the deadline. When the block counted just before was this same loop (its bne taken, so the core is not
 * in an IT block: a branch there must be its last instruction, and the subs sets flags), the passes that
 * start before the deadline, except the one about to run, are done here: Rn and insns (and blocks) as
 * they would be, so every later stop, event, interrupt and time read lands on the same instruction. The
 * pass that runs sets the flags, and the last one falls through, as silicon would. No register access
 * happens inside the loop, so io_deadline changes nothing here. */
__attribute__((noinline)) static uint32_t spin_enter(struct vclock *vc, void *uc, uint64_t address, uint32_t count)
{
    int reg = vc->spin_r0 + (int)(count >> VCLOCK_SPIN_SHIFT) - 1;
    if (vc->spin_on && vc->spin_at == address && vc->spin_seq == vc->blocks) {
        uint32_t k, left;
        if (vc->reg_read(uc, reg, &k) == 0) {
            uint64_t passes = k ? k : 1ull << 32;                 /* from 0, subs wraps: 2^32 passes */
            uint64_t room = (vc->deadline - 1 - vc->insns) / 2;   /* skipped passes all start before it */
            uint64_t m = passes - 1 < room ? passes - 1 : room;
            left = (uint32_t)(passes - m);
            if (m && vc->reg_write(uc, reg, &left) == 0) {
                vc->insns += 2 * m;
                vc->blocks += m;
                vc->spin_insns += 2 * m;
            }
        }
    }
    vc->spin_at = address;
    vc->spin_seq = vc->blocks + 1;   /* what blocks will be once this pass is counted */
    return count & ((1u << VCLOCK_SPIN_SHIFT) - 1);
}

void vclock_block_hook(void *uc, uint64_t address, uint32_t size, void *user)
{
    struct vclock *vc = user;
    if (vc->guard_n)
        vclock_guard_restore(vc);
    /* A stop requested from a block hook prevents that block from executing (measured), so the
     * deadline is checked before the block is counted: `insns` stays exact across slices. */
    if (vc->insns >= vc->deadline) {
        note_exec(vc, (uint32_t)address, size);   /* translated even though it does not run now */
        vc->spin_at = 0;                           /* the host may change anything before it resumes */
        if (!vc->stop_requested) {
            vc->stop_requested = 1;
            vc->emu_stop(uc);
        }
        return;
    }
    uint32_t n = count_block(vc, uc, address, size);
    if (__builtin_expect(n >> VCLOCK_SPIN_SHIFT, 0))
        n = spin_enter(vc, uc, address, n);
    vc->insns += n;
    vc->blocks++;
}

void vclock_flush(struct vclock *vc)
{
    memset(vc->cache, 0, sizeof vc->cache);
    vc->spin_at = 0;   /* the code that branched here may be gone */
}

uintptr_t vclock_hook_address(void)
{
    return (uintptr_t)&vclock_block_hook;
}
