/* Back into the bootloader on the host's request, for any application (issue 17): feed every byte the
 * application receives on its console UART to blreq_feed(); when it returns 1 the host's HELLO frame
 * (firmware/core/protocol.h, with a valid CRC) has just arrived, and blreq_enter() records "stay in the
 * bootloader" in the hand-off word and resets. The host repeats its HELLO every 80 ms, so the bootloader
 * that starts answers the next one: `stm32boot flash` needs no button press. */
#ifndef APP_BLREQ_H
#define APP_BLREQ_H

#include <stdint.h>

struct blreq {
    uint8_t buf[32];   /* a HELLO frame: header + at most 18 payload bytes + CRC */
    uint8_t n;
};

/* 1 when `c` completes a host HELLO (our own replies and anything else are ignored). */
int blreq_feed(struct blreq *r, uint8_t c);

/* Write `stay_value` at `handoff_addr` (the board's hand-off word, kept across a system reset) and
 * request a system reset (AIRCR.SYSRESETREQ, ARMv7-M ARM B3.2.6). Does not return. */
void blreq_enter(uint32_t handoff_addr, uint32_t stay_value) __attribute__((noreturn));

#endif
