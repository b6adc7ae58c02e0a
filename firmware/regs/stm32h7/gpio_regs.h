/* GPIO ports A..H, J, K (RM0468, GPIO chapter). Instance base: GPIO_BASE(port) in stm32h735.h. */
#ifndef H7_GPIO_REGS_H
#define H7_GPIO_REGS_H

#define GPIO_MODER   0x00u   /* 2 bits per pin */
#define GPIO_OTYPER  0x04u
#define GPIO_OSPEEDR 0x08u   /* 2 bits per pin */
#define GPIO_PUPDR   0x0Cu   /* 2 bits per pin */
#define GPIO_IDR     0x10u
#define GPIO_ODR     0x14u
#define GPIO_BSRR    0x18u   /* write-only: set bits 0..15, reset bits 16..31 */
#define GPIO_LCKR    0x1Cu
#define GPIO_AFRL    0x20u   /* 4 bits per pin, pins 0..7 */
#define GPIO_AFRH    0x24u   /* pins 8..15 */

#define GPIO_MODE_INPUT   0u
#define GPIO_MODE_OUTPUT  1u
#define GPIO_MODE_AF      2u
#define GPIO_MODE_ANALOG  3u
#define GPIO_PULL_NONE    0u
#define GPIO_PULL_UP      1u
#define GPIO_PULL_DOWN    2u
#define GPIO_SPEED_LOW    0u
#define GPIO_SPEED_MEDIUM 1u
#define GPIO_SPEED_HIGH   2u
#define GPIO_SPEED_VHIGH  3u

#define GPIO_LCKR_LCKK    (1u << 16)

/* Port numbers for GPIO_BASE(): no port I on H72x/H73x */
#define GPIO_PORT_A 0u
#define GPIO_PORT_B 1u
#define GPIO_PORT_C 2u
#define GPIO_PORT_D 3u
#define GPIO_PORT_E 4u
#define GPIO_PORT_F 5u
#define GPIO_PORT_G 6u
#define GPIO_PORT_H 7u
#define GPIO_PORT_J 9u
#define GPIO_PORT_K 10u

#endif
