/* GPIO pin configuration (RM0468, GPIO chapter). Ports are GPIO_PORT_A..K from gpio.h (regs). */
#ifndef DRIVERS_H7_GPIO_H
#define DRIVERS_H7_GPIO_H

#include <stdbool.h>
#include <stdint.h>

#include "stm32h7/gpio_regs.h"

typedef struct {
    uint8_t port;        /* GPIO_PORT_x */
    uint8_t pin;         /* 0..15 */
    uint8_t mode;        /* GPIO_MODE_x */
    uint8_t af;          /* 0..15, used when mode == GPIO_MODE_AF */
    uint8_t speed;       /* GPIO_SPEED_x */
    uint8_t pull;        /* GPIO_PULL_x */
    bool open_drain;
} gpio_pin_t;

/* Enables the port clock (RCC AHB4ENR) and programs the pin; AF is set before MODER so the pin never
 * drives a wrong function. */
void gpio_config(const gpio_pin_t *p);
void gpio_config_many(const gpio_pin_t *p, unsigned n);
void gpio_write(unsigned port, unsigned pin, bool level);
bool gpio_read(unsigned port, unsigned pin);

#endif
