/* Virtual-clock block hook for unicorn (docs/emulator-notes.md): counts executed Thumb instructions
 * exactly and stops emulation at a deadline (the scheduler's next event), without a Python crossing
 * per block. Also the MMIO entry points: one cffi call into the machine's dispatch per register access
 * (unicorn's own Python binding adds three Python frames and ctypes conversions), and a write sink that
 * collects a run of writes to one data register without calling Python at all. unicorn is not linked: Python hands us uc_mem_read / uc_emu_stop function pointers, so
 * this module does not depend on where the unicorn wheel keeps its shared library. */
#include <stdint.h>
#include <string.h>
#include "vclock.h"

/* Per-block instruction counts cached by (address, size): decoding costs a uc_mem_read, and the
 * same blocks run millions of times. Cleared whenever code memory changes (vclock_flush). */
static uint32_t count_block(struct vclock *vc, void *uc, uint64_t addr, uint32_t size)
{
    uint32_t key = (uint32_t)addr ^ (size << 20);
    uint32_t slot = (key * 2654435761u) >> (32 - VCLOCK_CACHE_BITS);
    for (uint32_t probe = 0; probe < 8; probe++) {
        struct vclock_entry *e = &vc->cache[(slot + probe) & (VCLOCK_CACHE_SIZE - 1)];
        if (e->count && e->addr == (uint32_t)addr && e->size == size)
            return e->count;
        if (!e->count) {
            uint32_t n = 0;
            uint8_t buf[VCLOCK_MAX_BLOCK];
            if (size > sizeof buf || vc->mem_read(uc, addr, buf, size) != 0) {
                /* Cannot decode (huge block or unreadable): half-word estimate, not cached. */
                return size / 2 ? size / 2 : 1;
            }
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
            e->count = n;
            return n;
        }
    }
    vc->cache_misses++;
    return size / 2 ? size / 2 : 1;
}

void vclock_block_hook(void *uc, uint64_t address, uint32_t size, void *user)
{
    struct vclock *vc = user;
    /* A stop requested from a block hook prevents that block from executing (measured), so the
     * deadline is checked before the block is counted: `insns` stays exact across slices. */
    if (vc->insns >= vc->deadline) {
        if (!vc->stop_requested) {
            vc->stop_requested = 1;
            vc->emu_stop(uc);
        }
        return;
    }
    vc->insns += count_block(vc, uc, address, size);
    vc->blocks++;
}

void vclock_flush(struct vclock *vc)
{
    memset(vc->cache, 0, sizeof vc->cache);
}

uintptr_t vclock_hook_address(void)
{
    return (uintptr_t)&vclock_block_hook;
}

#define PS_PER_S 1000000000000ull

static uint64_t mmio_read(void *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    struct vclock_mmio *r = user;
    struct vclock *vc = r->vc;
    uint64_t addr = r->base + offset;
    if (addr == vc->sink_sr_addr && size == 4 && vc->sink_addr) {
        vc->sink_sr_reads++;
        return vc->sink_sr_value;
    }
    if (addr == vc->tsrc_addr && size == 4 && vc->insns < vc->deadline && vc->tsrc_hz) {
        unsigned __int128 ps = (unsigned __int128)(vc->insns - vc->tsrc_insn_base) * vc->tsrc_cpi * PS_PER_S /
                               vc->tsrc_hz;
        uint64_t cycles = vc->tsrc_cyc_base + (uint64_t)(ps * vc->tsrc_hz / PS_PER_S);
        vc->time_reads++;
        return (uint32_t)(cycles + vc->tsrc_offset);
    }
    return vclock_py_read(vc->py, addr, size);
}

static void mmio_write(void *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    struct vclock_mmio *r = user;
    struct vclock *vc = r->vc;
    uint64_t addr = r->base + offset;
    if (addr == vc->sink_addr && size <= vc->sink_left && vc->sink_len + size <= VCLOCK_SINK_MAX) {
        for (unsigned i = 0; i < size; i++)
            vc->sink_buf[vc->sink_len++] = (uint8_t)(value >> (8u * i));   /* little-endian bus */
        vc->sink_left -= size;
        vc->sink_writes++;
        return;
    }
    vclock_py_write(vc->py, addr, size, value);
}

/* Unmapped or protected accesses (a store into internal flash is how a guest programs it): the machine
 * decides; nonzero = handled, the instruction goes on. */
static int mem_event(void *uc, int type, uint64_t addr, int size, int64_t value, void *user)
{
    (void)uc;
    struct vclock *vc = user;
    return vclock_py_mem_event(vc->py, type, addr, size, value);
}

uintptr_t vclock_mem_event_address(void)
{
    return (uintptr_t)&mem_event;
}

uintptr_t vclock_mmio_read_address(void)
{
    return (uintptr_t)&mmio_read;
}

uintptr_t vclock_mmio_write_address(void)
{
    return (uintptr_t)&mmio_write;
}
