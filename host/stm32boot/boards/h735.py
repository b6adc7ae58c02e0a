"""STM32H735G-DK (h735-hardware.md §1, §5, §6.1)."""
from .model import Board, Memory, Uart

KB, MB = 1024, 1024 * 1024

BOARD = Board(
    name="h735",
    title="STM32H735G-DK",
    chip="STM32H735IGK6",
    dev_id=0x483,
    memories=(
        # 1 MB single bank, 8 x 128 KB sectors, 256-bit flash word programmed once after erase (§1).
        Memory("flash", 0x0800_0000, 1 * MB, ((8, 128 * KB),), program_unit=32, page_size=32,
               kind="internal"),
        # MX25LM51245G on OCTOSPI1, memory-mapped at 0x90000000: 16384 x 4 KB sectors, 256 B pages.
        # The last sector holds the bootloader's application record (firmware/core/apprec.h): not writable.
        Memory("nor", 0x9000_0000, 64 * MB - 4 * KB, ((16383, 4 * KB),), program_unit=2, page_size=256,
               kind="ospi_nor", reserved_top=4 * KB),
    ),
    console=Uart("USART3", tx_pin="PD8", rx_pin="PD9", af=7),
    hse_hz=25_000_000,
    bootloader_size=128 * KB,  # sector 0; the application starts at 0x08020000
    ram=(
        ("ITCM", 0x0000_0000, 64 * KB),
        ("DTCM", 0x2000_0000, 128 * KB),
        ("AXISRAM", 0x2400_0000, 320 * KB),
        ("SRAM1", 0x3000_0000, 16 * KB),
        ("SRAM2", 0x3000_4000, 16 * KB),
        ("SRAM4", 0x3800_0000, 16 * KB),
        ("BKPSRAM", 0x3880_0000, 4 * KB),
    ),
)
