/* The simulator's bus side in C (docs/emulator-notes.md): the MMIO entry points unicorn calls for every
 * peripheral access (one cffi call into the machine's dispatch, or an answer from here: the cycle counter,
 * stable registers, posted writes, a write sink), idle-poll bookkeeping, the access digest, and the memory
 * events through which a guest programs internal flash (store guard, flash-word collection). The block
 * hook and instruction counting are in vclock.c. */
#include <stdint.h>
#include <string.h>
#include "vclock.h"

#define PS_PER_S 1000000000000ull

/* One status-register read for idle-poll detection (sim/idle.py, which calls this for the reads Python
 * serves): 1 when it completes a run of poll_k identical reads, the caller then decides about a warp. */
int vclock_idle_status(struct vclock *vc, uint64_t addr, uint32_t value)
{
    uint64_t insns = vc->insns, gap_from = vc->idle_insns;
    vc->idle_insns = insns;
    if (vc->time_reads != vc->idle_time_reads) {   /* a tick read (answered here) since the last one */
        vc->idle_time_reads = vc->time_reads;
        vc->idle_timed = 1;
    }
    if (addr == vc->idle_addr && value == vc->idle_val && insns - gap_from < vc->poll_gap) {
        vc->idle_count++;
        return vc->idle_count >= vc->poll_k;
    }
    vc->idle_addr = addr;
    vc->idle_val = value;
    vc->idle_count = 1;
    vc->idle_timed = 0;
    return 0;
}

void vclock_rc_put(struct vclock *vc, uint64_t addr, uint32_t size, uint32_t value, uint32_t kind)
{
    for (uint32_t i = 0; i < vc->rc_n; i++)
        if (vc->rc[i].addr == addr && vc->rc[i].size == size) {
            vc->rc[i].value = value;
            vc->rc[i].kind = kind;
            return;
        }
    if (vc->rc_n < VCLOCK_RC_MAX) {
        struct vclock_rc *e = &vc->rc[vc->rc_n++];
        e->addr = addr;
        e->size = size;
        e->value = value;
        e->kind = kind;
    }
}

/* Forget the stable reads of [lo, hi) (a model whose read reached Python: its state may have moved). */
void vclock_rc_drop(struct vclock *vc, uint64_t lo, uint64_t hi)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < vc->rc_n; i++)
        if (vc->rc[i].addr < lo || vc->rc[i].addr >= hi)
            vc->rc[k++] = vc->rc[i];
    vc->rc_n = k;
}

/* A stable register's read answered here, or 0 when Python must serve it: not cached, an event is due,
 * or the read would complete an idle-poll run (the warp is Python's decision). */
static int rc_read(struct vclock *vc, uint64_t addr, unsigned size, uint64_t *out)
{
    if (vc->insns >= vc->io_deadline)
        return 0;
    for (uint32_t i = 0; i < vc->rc_n; i++) {
        struct vclock_rc *e = &vc->rc[i];
        if (e->addr != addr || e->size != size)
            continue;
        if (e->kind == VCLOCK_RC_POLLED) {
            if (addr == vc->idle_addr && e->value == vc->idle_val && vc->insns - vc->idle_insns < vc->poll_gap &&
                vc->idle_count + 1 >= vc->poll_k)
                return 0;
            vclock_idle_status(vc, addr, e->value);
        } else {
            vc->idle_addr = VCLOCK_IDLE_NONE;   /* any other access ends a run of identical status reads */
        }
        vc->rc_hits++;
        *out = e->value;
        return 1;
    }
    return 0;
}

/* FNV-1a over one access (vclock.h, access digest). */
static void digest_fold(struct vclock *vc, uint64_t kind, uint64_t addr, unsigned size, uint64_t value)
{
    uint64_t words[4] = {kind | (uint64_t)size << 8, addr, value, vc->insns};
    const uint8_t *b = (const uint8_t *)words;
    uint64_t h = vc->digest;
    for (unsigned i = 0; i < sizeof words; i++)
        h = (h ^ b[i]) * 0x100000001B3ull;
    vc->digest = h;
}

static uint64_t bus_read(struct vclock *vc, uint64_t addr, unsigned size)
{
    if (addr == vc->sink_sr_addr && size == 4 && vc->sink_addr) {
        vc->sink_sr_reads++;
        return vc->sink_sr_value;
    }
    if (addr == vc->tsrc_addr && size == 4 && vc->insns < vc->io_deadline && vc->tsrc_hz) {
        unsigned __int128 ps = (unsigned __int128)(vc->insns - vc->tsrc_insn_base) * vc->tsrc_cpi * PS_PER_S /
                               vc->tsrc_hz;
        uint64_t cycles = vc->tsrc_cyc_base + (uint64_t)(ps * vc->tsrc_hz / PS_PER_S);
        vc->time_reads++;
        return (uint32_t)(cycles + vc->tsrc_offset);
    }
    uint64_t v;
    if (vc->rc_n && rc_read(vc, addr, size, &v))
        return v;
    if (vc->guard_n)
        vclock_guard_restore(vc);
    if (vc->fw_n)
        vclock_py_flash_flush(vc->py);   /* the held flash stores came first */
    /* The read's model may change (machine._read drops what it can no longer vouch for). */
    return vclock_py_read(vc->py, addr, size);
}

static uint64_t mmio_read(void *uc, uint64_t offset, unsigned size, void *user)
{
    (void)uc;
    struct vclock_mmio *r = user;
    struct vclock *vc = r->vc;
    uint64_t addr = r->base + offset;
    uint64_t v = bus_read(vc, addr, size);
    if (vc->digest_on)
        digest_fold(vc, 'R', addr, size, v);
    return v;
}

static void mmio_write(void *uc, uint64_t offset, unsigned size, uint64_t value, void *user)
{
    (void)uc;
    struct vclock_mmio *r = user;
    struct vclock *vc = r->vc;
    uint64_t addr = r->base + offset;
    if (vc->digest_on)
        digest_fold(vc, 'W', addr, size, value);
    if (vc->fw_n)
        vclock_py_flash_flush(vc->py);   /* before anything holds or takes this write */
    if (addr == vc->sink_addr && size <= vc->sink_left && vc->sink_len + size <= VCLOCK_SINK_MAX && !vc->post_n) {
        for (unsigned i = 0; i < size; i++)
            vc->sink_buf[vc->sink_len++] = (uint8_t)(value >> (8u * i));   /* little-endian bus */
        vc->sink_left -= size;
        vc->sink_writes++;
        vc->rc_n = 0;   /* the FIFO the store fills may be what a cached register shows */
        return;
    }
    if (size == 4 && vc->post_tab_n && !vc->sink_addr && vc->post_n < VCLOCK_POST_MAX && vc->insns < vc->io_deadline) {
        for (uint32_t i = 0; i < vc->post_tab_n; i++) {
            struct vclock_post_reg *t = &vc->post_tab[i];
            if (t->addr != addr || !t->on)
                continue;
            struct vclock_post *p = &vc->post[vc->post_n++];
            p->addr = addr;
            p->size = size;
            p->value = (uint32_t)value;
            vc->posted++;
            vc->idle_addr = VCLOCK_IDLE_NONE;   /* a store between status reads: not idle */
            if (t->drop_lo < t->drop_hi && vc->rc_n)
                vclock_rc_drop(vc, t->drop_lo, t->drop_hi);   /* what its model will show once it lands */
            if (t->clr_mask)
                for (uint32_t k = 0; k < vc->rc_n; k++)
                    if (vc->rc[k].addr == t->clr_addr)
                        vc->rc[k].value &= ~((uint32_t)value & t->clr_mask);
            return;
        }
    }
    vc->rc_n = 0;
    if (vc->guard_n)
        vclock_guard_restore(vc);
    vclock_py_write(vc->py, addr, size, value);
}

/* Keep the bytes the array holds for a store the FLASH model took (vclock.h, store guard). */
static void guard_add(struct vclock *vc, uint64_t addr, int size)
{
    if (vc->guard_mem && size > 0 && size <= 8 && addr >= vc->guard_base &&
        addr + (uint64_t)size <= vc->guard_base + vc->guard_size && vc->guard_n < VCLOCK_GUARD_MAX) {
        struct vclock_guard *g = &vc->guard[vc->guard_n++];
        g->off = (uint32_t)(addr - vc->guard_base);
        g->len = (uint32_t)size;
        memcpy(g->bytes, vc->guard_mem + g->off, (size_t)size);
        vc->guards++;
    }
}

/* A store into the guarded array while the collection is armed (vclock.h, flash-word collection): 1 held,
 * 0/1 the word handed over (Python's answer), -1 not for the collection (the caller hands over what is
 * held, then the store goes its usual way). */
static int fw_collect(struct vclock *vc, uint64_t addr, int size, int64_t value)
{
    uint64_t word = addr & ~(uint64_t)(VCLOCK_FW_SIZE - 1);
    unsigned off = (unsigned)(addr - word);
    if (size <= 0 || size > 8 || off + (unsigned)size > VCLOCK_FW_SIZE || addr < vc->guard_base ||
        addr + (uint64_t)size > vc->guard_base + vc->guard_size || vc->guard_n >= VCLOCK_GUARD_MAX ||
        vc->post_n || !vc->fw_ok || vc->insns >= vc->io_deadline || vc->insns >= vc->deadline ||
        vc->fw_n >= VCLOCK_FW_MAX)
        return -1;
    uint32_t bits = (uint32_t)(((1ull << size) - 1) << off);
    if (vc->fw_n && (word != vc->fw_word || (vc->fw_mask & bits)))
        return -1;
    struct vclock_fw_store *st = &vc->fw[vc->fw_n++];
    st->insns = vc->insns;
    st->value = (uint64_t)value;
    st->addr = (uint32_t)addr;
    st->size = (uint32_t)size;
    vc->fw_word = word;
    vc->fw_mask |= bits;
    for (int i = 0; i < size; i++)
        vc->fw_data[off + (unsigned)i] = (uint8_t)((uint64_t)value >> (8 * i));   /* little-endian bus */
    if (vc->fw_mask != 0xFFFFFFFFu) {
        guard_add(vc, addr, size);   /* the model would not have touched the array: what it holds now */
        uint64_t lim = vc->insns + vc->fw_slide;   /* machine.set_deadline at this store, no event changed */
        vc->deadline = vc->fw_d0 < lim ? vc->fw_d0 : lim;
        vc->io_deadline = vc->fw_l0 < vc->deadline ? vc->fw_l0 : vc->deadline;
        return 1;
    }
    vc->fw_words++;
    int handled = vclock_py_flash_word(vc->py);   /* takes the collection */
    if (handled)
        guard_add(vc, addr, size);
    return handled;
}

/* Unmapped or protected accesses (a store into internal flash is how a guest programs it): the machine
 * decides; nonzero = handled, the instruction goes on. */
static int mem_event(void *uc, int type, uint64_t addr, int size, int64_t value, void *user)
{
    (void)uc;
    struct vclock *vc = user;
    vc->rc_n = 0;
    if (vc->guard_n)
        vclock_guard_restore(vc);
    if (vc->fw_on && type == vc->guard_type && vc->guard_mem) {
        int r = fw_collect(vc, addr, size, value);
        if (r >= 0)
            return r;
    }
    if (vc->fw_n)
        vclock_py_flash_flush(vc->py);
    int handled = vclock_py_mem_event(vc->py, type, addr, size, value);
    if (handled && type == vc->guard_type)
        guard_add(vc, addr, size);
    return handled;
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
