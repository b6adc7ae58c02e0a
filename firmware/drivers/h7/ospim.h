/* OCTOSPI I/O manager: route the two OCTOSPI instances to the two pin ports, ONCE.
 * RM0468, OCTOSPIM chapter: the IO manager may be configured only while BOTH OCTOSPIs are disabled.
 * Rewiring under an enabled or memory-mapped instance is the field failure (bus fault / DEBUGEVT
 * HardFault while the programmer reads the window), so this driver refuses instead of doing what
 * ST's HAL does (silently disable, rewire, re-enable).
 */
#ifndef DRIVERS_H7_OSPIM_H
#define DRIVERS_H7_OSPIM_H

#include "octospi.h"
#include "stm32h7/octospim_regs.h"

struct ospim_cfg {
    uint32_t cr;           /* MUXEN / REQ2ACK_TIME */
    uint32_t pcr[2];       /* P1CR, P2CR */
};

/* The reset routing: port 1 = OCTOSPI1, port 2 = OCTOSPI2 (the STM32H735G-DK wiring, UM2679). */
extern const struct ospim_cfg ospim_cfg_reset;

/* Needs the IOMNGR clock on (RCC AHB3ENR.IOMNGREN), or the registers read 0 (docs/hardware-notes.md).
 * Both OCTOSPIs disabled: writes cfg, OSPI_OK. Either enabled (or mapped): writes nothing,
 * OSPI_E_ACTIVE. Callers that may run twice (a loader Init while the NOR is mapped) first ask
 * ospim_matches(): the state comes from the hardware, not from a RAM flag. */
ospi_status ospim_config(uintptr_t ospim_base, const uintptr_t ospi_bases[2], const struct ospim_cfg *cfg);

/* True when the routing registers already hold cfg. */
bool ospim_matches(uintptr_t ospim_base, const struct ospim_cfg *cfg);

#endif
