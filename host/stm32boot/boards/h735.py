"""STM32H735G-DK (UM2679): an STM32H735IGK6 with the MX25LM51245G octal NOR on OCTOSPI1, the S70KL1281
HyperRAM on OCTOSPI2 and the ST-LINK virtual COM port on USART3 PD8/PD9 AF7."""
from ..sim.chips import stm32h73x as chip
from .model import Board, ExtRam, Memory, Nor, Uart
from .reset_lines import ResetLines

KB, MB = 1024, 1024 * 1024
FLASH_BASE, FLASH_SIZE, FLASH_SECTORS = chip.FLASH

BOARD = Board(
    name="h735",
    title="STM32H735G-DK",
    chip="STM32H735IGK6",
    sim_chip="stm32h73x",
    dev_id=chip.DEV_ID,
    memories=(
        Memory("flash", FLASH_BASE, FLASH_SIZE, FLASH_SECTORS, program_unit=chip.FLASH_PROGRAM_UNIT,
               page_size=chip.FLASH_PROGRAM_UNIT, kind="internal"),
        # MX25LM51245G on OCTOSPI1, memory-mapped at 0x90000000: 16384 x 4 KB sectors, 256 B pages.
        # The last sector holds the bootloader's application record (firmware/core/apprec.h): not writable.
        Memory("nor", 0x9000_0000, 64 * MB - 4 * KB, ((16383, 4 * KB),), program_unit=2, page_size=256,
               kind="external_nor", reserved_top=4 * KB),
    ),
    console=Uart("USART3", tx_pin="PD8", rx_pin="PD9", af=7),
    # OCTOSPI1 on OCTOSPIM port 1 (UM2679 schematic; AF numbers from the STM32H735 datasheet's
    # alternate-function table).
    nor=Nor(parts=("mx25lm51245g",), controller="OCTOSPI1",
            pins=(("NCS", "PG6", 10), ("CLK", "PF10", 9), ("DQS", "PB2", 10), ("IO0", "PD11", 9), ("IO1", "PD12", 9),
                  ("IO2", "PE2", 9), ("IO3", "PD13", 9), ("IO4", "PD4", 10), ("IO5", "PD5", 10), ("IO6", "PG9", 9),
                  ("IO7", "PD7", 10))),
    # S70KL1281 HyperRAM on OCTOSPI2, OCTOSPIM port 2, memory-mapped at 0x70000000 (UM2679 schematic; AF
    # numbers from the STM32H735 datasheet's alternate-function table).
    ext_ram=ExtRam(part="s70kl1281", controller="OCTOSPI2",
                   pins=(("NCS", "PG12", 3), ("CLK", "PF4", 9), ("DQS", "PF12", 9), ("IO0", "PF0", 9),
                         ("IO1", "PF1", 9), ("IO2", "PF2", 9), ("IO3", "PF3", 9), ("IO4", "PG0", 9),
                         ("IO5", "PG1", 9), ("IO6", "PG10", 3), ("IO7", "PG11", 9))),
    hse_hz=25_000_000,
    bootloader_size=128 * KB,  # sector 0; the application starts at 0x08020000
    inflate_s_per_byte=0.35e-6,   # 520 MHz core: 0.26-0.34 us/byte on Cortex-M code, text, tables
    ram=chip.RAM,
    # The STLINK-V3E virtual COM port carries no DTR/RTS to the chip (UM2679): NRST and BOOT0 are
    # reached by an adapter's lines only when wired by hand (docs/reset-lines.md).
    reset_lines=ResetLines(port="the STLINK-V3E virtual COM port", nrst=None, boot0=None,
                           nrst_pin="RESET on the Arduino Uno V3 power connector"),
)
