/* The start decision every board's bootloader main() shares, after its board and memories are up:
 * start the application at once, or serve the host and start it when nobody spoke within the listening
 * window. What is chip-specific (where RAM is, what the application needs set up) is the board's. */
#ifndef CORE_BOOT_H
#define CORE_BOOT_H

#include <stdint.h>

/* The vector table at `vectors` can be started: its initial MSP is one the board accepts and its reset
 * handler is a Thumb address inside [vectors + 8, end). */
int boot_vectors_sane(uint32_t vectors, uint32_t end);
/* SysTick off, VTOR = vectors, MSP and PC from the table (ARMv7-M ARM B1.5.3), after port_app_handover(). */
__attribute__((noreturn)) void boot_start(uint32_t vectors);
/* bl_init, then bl_poll forever. Unless `stay`, the application at `vectors` starts after listen_ms if no
 * host has spoken by then. */
__attribute__((noreturn)) void boot_serve(int stay, uint32_t listen_ms, uint32_t vectors);

/* Board side. */
int port_app_stack_ok(uint32_t msp);   /* msp is the top of, or inside, a RAM region of the chip */
void port_app_handover(void);          /* before the jump: memories mapped as the application runs them,
                                          peripherals the bootloader used back in their reset state */

#endif
