/* Virtual-clock block hook state shared with Python through cffi (see vclock.c and vclock_bus.c). */
#ifndef VCLOCK_H
#define VCLOCK_H
#include <stdint.h>

/* native/ffi_vclock.py declares to Python what lies between the CFFI markers, read from here. */
/* CFFI-BEGIN */
#define VCLOCK_CACHE_BITS 14
#define VCLOCK_CACHE_SIZE (1u << VCLOCK_CACHE_BITS)
#define VCLOCK_MAX_BLOCK 4096
#define VCLOCK_SPIN_SHIFT 24   /* count_block: instructions below, delay-loop register above */
#define VCLOCK_SINK_MAX 4096  /* bytes a write sink collects before Python must take them */
#define VCLOCK_POST_MAX 32    /* posted register writes held before Python must take them */
#define VCLOCK_POST_TAB 32    /* registers whose writes may be posted */
#define VCLOCK_GUARD_MAX 64   /* guarded stores held between two block starts */
#define VCLOCK_RC_MAX 8       /* stable-register reads the C side may answer at once */
#define VCLOCK_FW_SIZE 32     /* bytes in one internal-flash word (the write buffer the FLASH model fills) */
#define VCLOCK_FW_MAX 32      /* stores one collected flash word may take (each byte once) */
#define VCLOCK_IDLE_NONE UINT64_MAX   /* idle_addr when no run of status reads is going on */
#define VCLOCK_RC_POLLED 1    /* a status register idle polling watches (counted as in idle.py) */
#define VCLOCK_DIGEST_SEED 0xCBF29CE484222325ull   /* FNV-1a 64 offset basis: vclock.digest before any access */

struct vclock_entry {
    uint32_t addr;
    uint32_t size;
    uint32_t count;           /* instructions, plus (1 + n) << VCLOCK_SPIN_SHIFT for a delay loop in Rn */
};

/* A register whose value, as its model reported at a read, cannot change before the next clock event
 * or the next access that reaches Python (machine._read: the model's STABLE_REGS). */
struct vclock_rc {
    uint64_t addr;
    uint32_t size;
    uint32_t value;
    uint32_t kind;
};

/* A register write held for its model (a model's POSTED_REGS): taken, in order, before anything else
 * runs in Python (machine._post_deliver). */
struct vclock_post {
    uint64_t addr;
    uint32_t size;
    uint32_t value;
};

/* A register whose 32-bit writes may be posted, and the stable reads its write can change: those in
 * [drop_lo, drop_hi) are forgotten when it is posted (none when equal; its model's block when unsure), and
 * a cached read of clr_addr loses the bits (value & clr_mask) (a flag-clear register: what its model's read
 * will show once the write lands). `on`: posted at the moment (a model may allow a register only in some of
 * its states: machine.allow_posting). */
struct vclock_post_reg {
    uint64_t addr;
    uint64_t drop_lo;
    uint64_t drop_hi;
    uint64_t clr_addr;
    uint32_t clr_mask;
    uint32_t on;
};

/* Bytes of a write-protected array (internal flash) as its model holds them after a store it took. */
struct vclock_guard {
    uint32_t off;
    uint32_t len;
    uint8_t bytes[8];
};

/* A guest store into internal flash held by the flash-word collection (in order; insns: when it ran). */
struct vclock_fw_store {
    uint64_t insns;
    uint64_t value;
    uint32_t addr;
    uint32_t size;
};

struct vclock {
    uint64_t insns;           /* instructions executed (counted at block entry) */
    uint64_t deadline;        /* stop once insns >= deadline */
    uint64_t io_deadline;     /* <= deadline: the next event of any kind, lazy ones too (sim/clock.py) */
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
     * (insns < io_deadline): the machine's cycle count at `insns`, computed exactly as the machine does
     * (instructions -> picoseconds -> cycles, both rounded down), plus the counter's own offset. */
    uint64_t tsrc_addr;
    uint64_t tsrc_insn_base;
    uint64_t tsrc_cyc_base;
    uint64_t tsrc_hz;
    uint32_t tsrc_cpi;
    uint32_t tsrc_offset;
    uint64_t time_reads;      /* reads the time source answered, ever */
    /* Idle-poll detection state (sim/idle.py): a run of identical reads of one status register, each
     * within poll_gap instructions of the previous one. Kept here so reads answered in C count too. */
    uint64_t idle_addr;
    uint32_t idle_val;
    uint32_t idle_count;
    uint64_t idle_insns;
    uint64_t idle_time_reads; /* time_reads at the last status read */
    uint32_t idle_timed;      /* a time-source read happened during this run (a wait with a timeout) */
    uint32_t poll_k;
    uint64_t poll_gap;
    /* Stable-register reads: answered here while no event is due (insns < io_deadline); cleared by every
     * access that goes to Python, every collected sink store and every emulation start. */
    uint32_t rc_n;
    uint64_t rc_hits;         /* reads answered from it, ever */
    struct vclock_rc rc[VCLOCK_RC_MAX];
    /* Posted writes: 32-bit stores to a register in post_tab, while no event is due and no write sink
     * is armed, are held here in order; Python applies them before any other model code runs. */
    uint32_t post_n;
    uint32_t post_tab_n;
    uint64_t posted;          /* writes posted, ever */
    struct vclock_post_reg post_tab[VCLOCK_POST_TAB];
    struct vclock_post post[VCLOCK_POST_MAX];
    /* Access digest (tests, exactness checks): with digest_on, every guest register access folds (R/W,
     * address, size, value, instruction count) into `digest`, whoever served it: Python, or C. */
    uint32_t digest_on;
    uint64_t digest;
    /* Lowest and highest+1 address of any block counted, per 256 MB of the address space: a change to
     * memory outside [lo, hi) cannot affect a translated or counted block (machine.flash_changed). */
    uint32_t exec_lo[16];
    uint32_t exec_hi[16];
    /* Store guard: unicorn 2.1.4 still performs a guest store into a mem_map_ptr array after the
     * write-protect hook consumed it (machine._on_bad_access). For stores the hook accepted into
     * [guard_base, guard_base + guard_size) the bytes the model holds are kept here and put back at the
     * next block start or Python entry, before anything can look at them. guard_flush_lo/hi: a range
     * where that changed bytes a block had run from (Python drops its translations; the run stops). */
    uint8_t *guard_mem;
    uint64_t guard_base;
    uint64_t guard_size;
    int guard_type;           /* unicorn's UC_MEM_WRITE_PROT */
    uint32_t guard_n;
    uint64_t guards;          /* stores guarded, ever */
    uint32_t guard_flush_lo;
    uint32_t guard_flush_hi;
    struct vclock_guard guard[VCLOCK_GUARD_MAX];
    /* Flash-word collection: while the FLASH model arms it (fw_on: its state makes the stores of one flash
     * word change nothing but its write buffer, machine.flash_collect) and the machine's deadline follows
     * from the events alone (fw_ok, machine.set_deadline), guest stores that fall in one aligned
     * 32-byte word, each byte once, with no event due and no write posted, are held here (and guarded like
     * any store the model took). The store that completes the word hands all of them to Python in one call
     * at its own instant (vclock_py_flash_word); anything else first hands them over one by one, in order,
     * each at its own instruction count (vclock_py_flash_flush): another store that does not fit, a
     * register access that reaches Python or a write of any kind, the end of a slice (machine.guard_settle).
     * Each store held sets the deadlines the machine would have set at it: its next strict and lazy events
     * in instructions (fw_d0, fw_l0; UINT64_MAX: none), at most fw_slide instructions ahead. */
    uint32_t fw_on;
    uint32_t fw_ok;
    uint64_t fw_d0;
    uint64_t fw_l0;
    uint64_t fw_slide;
    uint32_t fw_n;
    uint32_t fw_mask;         /* bytes of the word held (bit i: byte i) */
    uint64_t fw_word;         /* bus address of the word held */
    uint64_t fw_words;        /* whole words handed over in one call, ever */
    uint8_t fw_data[VCLOCK_FW_SIZE];
    struct vclock_fw_store fw[VCLOCK_FW_MAX];
    /* Delay-loop skip (vclock_block_hook, docs/emulator-notes.md): the passes of a `subs Rn, #1; bne.n`
     * self-loop that would all start before the deadline are done at once, Rn and insns as if run. */
    int spin_on;              /* 0: every pass runs (what the tests compare with) */
    int spin_r0;              /* unicorn's register id of R0; R1-R7 follow it */
    int (*reg_read)(void *uc, int regid, void *value);
    int (*reg_write)(void *uc, int regid, const void *value);
    uint64_t spin_at;         /* the delay loop counted last (0: none, or a stop since) */
    uint64_t spin_seq;        /* blocks once it was counted: equal at its next start = entered by its own bne */
    uint64_t spin_insns;      /* instructions skipped, ever */
    struct vclock_entry cache[VCLOCK_CACHE_SIZE];
};

/* One mapped peripheral block: unicorn hands it to the MMIO callbacks with the offset in the block. */
struct vclock_mmio {
    struct vclock *vc;
    uint64_t base;
};

void vclock_block_hook(void *uc, uint64_t address, uint32_t size, void *user);
void vclock_flush(struct vclock *vc);
int vclock_idle_status(struct vclock *vc, uint64_t addr, uint32_t value);
void vclock_rc_put(struct vclock *vc, uint64_t addr, uint32_t size, uint32_t value, uint32_t kind);
void vclock_rc_drop(struct vclock *vc, uint64_t lo, uint64_t hi);
int vclock_executed(struct vclock *vc, uint32_t lo, uint32_t hi);
void vclock_guard_restore(struct vclock *vc);
uintptr_t vclock_hook_address(void);
uintptr_t vclock_mmio_read_address(void);
uintptr_t vclock_mmio_write_address(void);
uintptr_t vclock_mem_event_address(void);
/* CFFI-END */
/* Defined by the cffi module (extern "Python+C"): the machine's register dispatch. */
uint64_t vclock_py_read(void *py, uint64_t addr, unsigned size);
void vclock_py_write(void *py, uint64_t addr, unsigned size, uint64_t value);
int vclock_py_mem_event(void *py, int type, uint64_t addr, int size, int64_t value);
int vclock_py_flash_word(void *py);
void vclock_py_flash_flush(void *py);
#endif
