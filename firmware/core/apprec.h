/* The application record: an application is valid only when its whole session completed.
 *
 * Invariant (every board, both memories): the bootloader starts an application only when the record
 * sector holds a record whose CRC checks. The core erases the record (apprec_open) before the first
 * ERASE or WRITE it executes after the last commit, in every session, whatever memory the command
 * targets; the host sends CMD_COMMIT only after every range of its session verified by CRC on the
 * target, and the record is the last thing programmed. So a session cut anywhere (host gone, link
 * lost, power cut during any erase or program, including the record's own erase or program) leaves
 * either the previous application untouched with its record, or no valid record: the bootloader then
 * stays in charge and a reflash completes it. It never starts an old application over half-updated
 * data in another sector or memory.
 *
 * The board supplies only where the record lives (port_app_record(): a device and the address of one
 * sector outside every memory it advertises); the record is one 32-byte unit at the start of that sector,
 * and a torn erase or program of it fails its CRC or the blank check, never the other way round. */
#ifndef CORE_APPREC_H
#define CORE_APPREC_H

#include <stdint.h>
#include "flashdev.h"

#define APPREC_MAGIC 0x52505041u   /* "APPR" */
#define APPREC_SIZE  32u

struct apprec {
    uint32_t magic;
    uint32_t format;       /* 1 */
    uint32_t image_crc;    /* the host's digest of the image it verified (proto_commit_req) */
    uint32_t rsvd[4];      /* 0xFFFFFFFF */
    uint32_t crc;          /* CRC-32/MPEG-2 of the 28 bytes above */
};

/* 1 when the record sector holds a record whose CRC checks: the start decision's durability part. */
int apprec_valid(void);
/* Invalidate (once per commit): leave the record sector erased and blank-checked. ST_OK or a failure. */
int apprec_open(struct fd_result *r);
/* Program the record (invalidating first if this boot has not yet), read it back. ST_OK or a failure. */
int apprec_commit(uint32_t image_crc, struct fd_result *r);
/* Forget what this boot knows about the record (bl_init). */
void apprec_reset(void);

#endif
