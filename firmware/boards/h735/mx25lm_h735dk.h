/* Board glue: the MX25LM51245G on OCTOSPI1 / OCTOSPIM port 1 of the STM32H735G-DK (UM2679).
 * Shared by the bootloader and the external loader; the board data (pins, instance, clocks)
 * lives here, the driver logic in drivers/h7/ (octospi.c, ospim.c, mx25lm.c).
 */
#ifndef H735_MX25LM_H735DK_H
#define H735_MX25LM_H735DK_H

#include "stm32h7/stm32h735.h"

#include "drivers/h7/mx25lm.h"

#define H735DK_NOR_OSPI     OCTOSPI1_R_BASE
#define H735DK_NOR_WINDOW   OCTOSPI1_MEM_BASE
#define H735DK_NOR_BUS_HZ   100000000u   /* PLL2R 200 MHz / 2 (docs/hardware-notes.md) */

/* Clocks on (OCTOSPI1, IOMNGR, GPIO ports), pins in AF, OCTOSPIM routed (written only while both
 * OCTOSPIs are disabled; left untouched when it already holds the board routing), timebase set
 * from the current core clock. Does not touch the system clock tree. */
ospi_status h735dk_nor_hw_init(void);

/* h735dk_nor_hw_init + mx25lm_init: the NOR ends in DOPI, controller indirect. */
ospi_status h735dk_nor_init(struct mx25lm *n);

/* The driver state for a NOR that a previous init left in DOPI (read from the hardware: the
 * prescaler from DCR2), e.g. in a loader call after Init. */
void h735dk_nor_attach(struct mx25lm *n);

#endif
