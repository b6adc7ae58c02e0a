"""Models of the STM32F7 family's own peripherals (RM0385), checked against firmware/regs/stm32f7/*.h by
tests/test_regs_match_f7.py. Peripherals whose IP is the same as the H7's (GPIO) reuse sim/periph."""
