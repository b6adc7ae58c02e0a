/* STM32F7 GPIO alternate functions (RM0385 §6.4): port clock on AHB1ENR, AF before MODER. */
#ifndef DRIVERS_F7_PINS_H
#define DRIVERS_F7_PINS_H

#include <stdint.h>

struct pin_af {
    uint8_t port;   /* 0 = A ... 10 = K */
    uint8_t pin;
    uint8_t af;
    uint8_t pull;   /* 0 none, 1 up, 2 down */
};

void pins_af(const struct pin_af *p, unsigned n);   /* very high speed, push-pull */

#endif
