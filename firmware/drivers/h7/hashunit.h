/* The H735's HASH processor (regs/stm32h7/hash_regs.h) computing SHA-256 over memory the CPU can read. */
#ifndef DRIVERS_H7_HASHUNIT_H
#define DRIVERS_H7_HASHUNIT_H

#include <stdint.h>

/* SHA-256 of len bytes at data into out (FIPS 180-4 byte order). The unit is clocked on the first call. */
void hash_sha256(const void *data, uint32_t len, uint8_t out[32]);

#endif
