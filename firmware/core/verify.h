/* Verified boot for the release bootloader: MCUboot image checks (MCUboot docs/design.md "Image format",
 * bootutil image_validate.c order), with our own SHA-256 and Ed25519 (native/). Chip-neutral: the slot
 * address, the key and the security-counter store come from the board (port functions below).
 *
 * A development bootloader links none of this: weak defaults in bl.c answer "development, unsigned
 * images boot", READ and CRC work as always, and any bootloader update is taken. */
#ifndef CORE_VERIFY_H
#define CORE_VERIFY_H

#include <stdint.h>
#include "protocol.h"

#define VB_HDR_SIZE 0x400u   /* the application's vector table follows at slot + 1 KB (VTOR alignment) */
#define VB_TLV_NOR_RANGE 0x00E1u   /* ours, protected: u32 addr, u32 len, SHA-256 (host mcuboot.py) */

/* 1: the signed application in [slot, slot+size) verified (and the stored counter was raised to its
 * counter if higher); 0: it must not start. vb_status() tells why either way. */
int vb_boot_ok(uint32_t slot, uint32_t size);
/* The outcome of the last check, for CMD_BOOT_STATUS. */
void vb_status(struct proto_boot_status *out);
/* 1 on a release bootloader: READ refused, CRC only over whole sectors, updates must be signed. */
int vb_release(void);
/* Release: the staged update (len bytes, MCUboot-signed bootloader) is signed by our key with a version
 * not below ours; on BOOT_VERIFIED the stage holds the raw bootloader image and *len its length. */
int vb_check_update(uint8_t *stage, uint32_t *len, uint32_t stage_size);

/* Board side (release only). */
/* SHA-256 of a large readable range (the image, the NOR ranges): a hash unit when the chip has one;
 * the default (verify.c, weak) is native/sha256.c. */
void port_sha256(const void *data, uint32_t len, uint8_t out[32]);
extern const uint8_t vb_public_key[32];       /* generated at build time from the signing key */
uint32_t port_seccnt_get(void);               /* highest security counter booted (0: none yet) */
int port_seccnt_raise(uint32_t n);            /* store n (> get()) so it survives power cuts; 0 = OK */
/* Carry what the board keeps in the bootloader's sector (the counter store) into a staged update;
 * 0 = OK, else the new bootloader is too large to leave room for it. */
int port_keep_for_update(uint8_t *stage, uint32_t *len, uint32_t stage_size);

#endif
