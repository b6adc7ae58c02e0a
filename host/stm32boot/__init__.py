"""stm32boot: flash STM32 internal flash and external OSPI/QSPI NOR over UART; simulated boards."""
__version__ = "0.1.0"
