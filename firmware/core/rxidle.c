/* The DMA keeps receiving while the core idles, so nothing can be lost here. When `want` bytes must still
 * cross the wire, pause for that time less one byte (at most r->max_pause, far inside the core's 50 ms gap
 * rule) instead of polling the DMA counter byte by byte; then a few back-to-back reads of the counter. On
 * silicon they cost nothing; the simulator takes identical status reads in a row as idle polling and moves
 * its clock to the next event (docs/emulator-notes.md): the next byte after counter reads, the next half
 * ring after flag reads. When half a ring or more is wanted, or a device works (its completion is an event
 * too), the flags are enough: the core wakes once per half ring or device event instead of once per byte.
 * Every look compares with the position the ring last saw, so a byte that came before the first read here
 * (or a clock jump at it) is never waited for again. */
#include "rxidle.h"
#include "port.h"

#define RD(a) (*(volatile const uint32_t *)(uintptr_t)(a))

/* About `cycles` CPU cycles without a bus access: two instructions per turn, so on a core faster than
 * one instruction per cycle it only ends sooner. */
static void pause_cycles(uint32_t cycles)
{
    uint32_t n = cycles / 2u + 1u;
    __asm volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
}

/* DMA write index shown by an NDTR value (RM0468/RM0385 DMA: NDTR counts down, reloads at each lap). */
static uint32_t pos_of(const struct rxidle_ring *r, uint32_t ndtr)
{
    ndtr &= 0xFFFFu;
    return (ndtr == 0u || ndtr >= r->size) ? 0u : r->size - ndtr;
}

static int flagged(const struct rxidle_ring *r) { return (RD(r->flags_reg) & r->flags_mask) != 0u; }

int rxidle_dma(const struct rxidle_ring *r, uint32_t want, uint32_t known_pos)
{
    uint32_t bytes = want & ~PORT_WANT_BUSY;
    if ((want & PORT_WANT_BUSY) || bytes >= r->size / 2u) {
        for (int i = 0; i < 4; i++)
            if (flagged(r)) return 1;
        return 0;
    }
    if (bytes > 1u) {
        /* A flags read first: to the simulator the wait then ends at the next half ring, not at the next
         * byte, so the pause is not cut at every byte (free on silicon). */
        if (flagged(r)) return 1;
        uint32_t max_bytes = r->max_pause / r->byte_cycles;
        pause_cycles(r->byte_cycles * (bytes - 1u < max_bytes ? bytes - 1u : max_bytes));
    }
    for (int i = 0; i < 3; i++)
        if (pos_of(r, RD(r->ndtr_reg)) != known_pos) return 1;
    return 0;
}
