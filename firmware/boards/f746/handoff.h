/* Bootloader <-> application hand-off on the STM32F746G-DISCO, shared by both images.
 * A word at the top of SRAM2 that neither image links or initialises (no-init RAM): the application
 * writes BOOT_REQ_STAY and resets to get back into the bootloader; the bootloader's RESET command writes
 * BOOT_REQ_RUN to start the application without the listening window. */
#ifndef F746_HANDOFF_H
#define F746_HANDOFF_H

#define BOOT_REQ_ADDR   0x2004FFF0u   /* SRAM2 (RM0385 §2.3), above anything linked */
#define BOOT_REQ_STAY   0xB007B007u
#define BOOT_REQ_RUN    0x600D600Du

#define BL_SIZE         0x8000u       /* sector 0 (32 KB): the bootloader */
#define APP_BASE        0x08008000u   /* sector 1: the application's vector table */
#define APP_END         0x08100000u
#define BL_LISTEN_MS    200u          /* after reset: a host that speaks within this keeps us here */

#endif
