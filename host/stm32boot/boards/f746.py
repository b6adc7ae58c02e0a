"""STM32F746G-DISCO (UM1907): an STM32F746NGH6 with a 16 MB quad-SPI NOR on QUADSPI bank 1 (Micron N25Q128A
up to revision B, Winbond W25Q128JV from revision C-03) and the ST-LINK virtual COM port on USART1,
PA9 TX / PB7 RX, AF7; 25 MHz HSE crystal."""
from ..sim.chips import stm32f74x as chip
from .model import Board, Memory, Nor, Uart
from .reset_lines import ResetLines

KB, MB = 1024, 1024 * 1024
FLASH_BASE, FLASH_SIZE, FLASH_SECTORS = chip.FLASH

BOARD = Board(
    name="f746",
    title="STM32F746G-DISCO",
    chip="STM32F746NGH6",
    sim_chip="stm32f74x",
    dev_id=chip.DEV_ID,
    memories=(
        Memory("flash", FLASH_BASE, FLASH_SIZE, FLASH_SECTORS, program_unit=4, page_size=256, kind="internal"),
        # 16 MB NOR memory-mapped at 0x90000000: 4 KB subsectors, 256 B pages (both parts); the last
        # subsector holds the bootloader's application record.
        Memory("nor", chip.QSPI_WINDOW, 16 * MB - 4 * KB, ((4095, 4 * KB),), program_unit=1, page_size=256,
               kind="external_nor", reserved_top=4 * KB),
    ),
    console=Uart("USART1", tx_pin="PA9", rx_pin="PB7", af=7),
    # QUADSPI bank 1 wiring (UM1907 schematics; AF numbers from the STM32F746 datasheet's alternate
    # function table).
    nor=Nor(parts=chip.NOR_PARTS, controller="QUADSPI",
            pins=(("CLK", "PB2", 9), ("NCS", "PB6", 10), ("IO0", "PD11", 9), ("IO1", "PD12", 9),
                  ("IO2", "PE2", 9), ("IO3", "PD13", 9))),
    hse_hz=25_000_000,
    bootloader_size=32 * KB,   # sector 0
    inflate_s_per_byte=0.85e-6,   # 216 MHz core: 0.64-0.82 us/byte on Cortex-M code, text, tables
    ram=chip.RAM,
    # The ST-LINK/V2-1 virtual COM port carries no DTR/RTS to the chip (UM1907): NRST and BOOT0 are
    # reached by an adapter's lines only when wired by hand (docs/reset-lines.md).
    reset_lines=ResetLines(port="the ST-LINK/V2-1 virtual COM port", nrst=None, boot0=None,
                           nrst_pin="RESET on the Arduino Uno V3 power connector"),
)
