/* Register access for our own register headers (no vendor CMSIS code).
 *
 * Convention, one header per peripheral IP (rcc.h, usart.h, flash.h, octospi.h, ...):
 *   #define USART_CR1        0x00u          register offset from the instance base
 *   #define USART_CR1_UE     (1u << 0)      single-bit field
 *   #define USART_CR1_M0_Pos 12u            multi-bit field: _Pos and _Msk
 * Instance base addresses for a chip live in the chip header (stm32h735.h).
 * Offsets and bits are plain integer macros so that cffi can hand the same values to the Python
 * simulator's tests: the C headers are the one source of truth for both sides.
 */
#ifndef MMIO_H
#define MMIO_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#define MMIO32(base, off) (*(volatile uint32_t *)((uintptr_t)(base) + (off)))
#define MMIO16(base, off) (*(volatile uint16_t *)((uintptr_t)(base) + (off)))
#define MMIO8(base, off)  (*(volatile uint8_t  *)((uintptr_t)(base) + (off)))
#endif

#define FIELD_GET(reg, name)      (((reg) & name##_Msk) >> name##_Pos)
#define FIELD_PREP(name, v)       ((((uint32_t)(v)) << name##_Pos) & name##_Msk)

#endif
