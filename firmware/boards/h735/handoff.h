/* Bootloader <-> application hand-off, shared by both images (firmware/boards/h735/).
 * A word in SRAM4 that neither image's start-up code touches (no-init RAM): the application writes
 * BOOT_REQ_STAY and resets to get back into the bootloader; the bootloader's RESET command writes
 * BOOT_REQ_RUN to start the application without the listening window. */
#ifndef H735_HANDOFF_H
#define H735_HANDOFF_H

#define BOOT_REQ_ADDR   0x38003FF0u   /* SRAM4 (RM0468 memory map), above anything linked */
#define BOOT_REQ_STAY   0xB007B007u
#define BOOT_REQ_RUN    0x600D600Du

#define APP_BASE        0x08020000u   /* internal flash sector 1: the application's vector table */
#define APP_END         0x08100000u
#ifdef STM32BOOT_RELEASE
#define APP_VECTORS     (APP_BASE + 0x400u)   /* after the MCUboot header (core/verify.h VB_HDR_SIZE) */
#else
#define APP_VECTORS     APP_BASE
#endif
#define BL_LISTEN_MS    200u          /* after reset: a host that speaks within this keeps us here */

#endif
