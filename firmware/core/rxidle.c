/* The DMA keeps receiving while the core idles, so nothing can be lost here. When `want` bytes must still
 * cross the wire, pause for part of that time (at most 64 byte times, far inside the core's 50 ms gap rule)
 * instead of polling the DMA counter byte by byte; then a few back-to-back reads of one DMA register. On
 * silicon they cost nothing; the simulator takes identical status reads in a row as idle polling and moves
 * its clock to the next event (docs/emulator-notes.md): the next byte after NDTR reads, the next half ring
 * after flag reads. When half a ring or more is wanted (or none: a device wait, whose completion is an event
 * too), the flags are enough and the firmware wakes once per half ring instead of once per byte. */
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

void rxidle_dma(uint32_t want, uint32_t ndtr_reg, uint32_t flags_reg, uint32_t ring_size, uint32_t byte_cycles)
{
    if (want >= ring_size / 2u) {
        if (want != PORT_WANT_NONE)
            pause_cycles(byte_cycles * 64u);
        for (int i = 0; i < 4; i++)
            (void)RD(flags_reg);
        return;
    }
    /* Bytes that came during the pause are taken at once, with no more reads of NDTR: the caller's next
     * read would otherwise make four identical ones, which is idle polling to the simulator, though the
     * core has work (the last bytes of a stream, with no next byte to wake it). */
    uint32_t before = RD(ndtr_reg);
    if (want > 1u)
        pause_cycles(byte_cycles * (want - 1u < 64u ? want - 1u : 64u));
    uint32_t n = RD(ndtr_reg);
    if (n != before) return;
    for (int i = 0; i < 2; i++)
        if (RD(ndtr_reg) != n) return;
}
