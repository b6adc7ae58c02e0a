/* STM32H735G-DK clock tree: what drivers/h7/clock.c programs on this board (clock_init(&board_clocks)). */
#ifndef BOARDS_H735_CLOCKS_H
#define BOARDS_H735_CLOCKS_H

#include "drivers/h7/clock.h"

extern const struct clock_config board_clocks;

#endif
