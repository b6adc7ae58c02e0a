"""STM32H72x/H73x (RM0468): memory map, bus regions, reset clock and the peripheral models at their bases.
The board adds the wiring: console USART and pins, HSE, which NOR and RAM on which OCTOSPI."""
from __future__ import annotations

KB, MB = 1024, 1024 * 1024

CORE, FPU = "cortex-m7", "fpv5-dp-d16"
# 1 MB single bank, 8 x 128 KB sectors (RM0468 §4.3.1).
FLASH = (0x0800_0000, 1 * MB, ((8, 128 * KB),))
FLASH_PROGRAM_UNIT = 32     # 256-bit flash word, programmed once after erase (RM0468 §4.3.8)
RAM = (
    ("ITCM", 0x0000_0000, 64 * KB),
    ("DTCM", 0x2000_0000, 128 * KB),
    ("AXISRAM", 0x2400_0000, 320 * KB),
    ("SRAM1", 0x3000_0000, 16 * KB),
    ("SRAM2", 0x3000_4000, 16 * KB),
    ("SRAM4", 0x3800_0000, 16 * KB),
    ("BKPSRAM", 0x3880_0000, 4 * KB),
)
ROMS = (("SYSMEM", 0x1FF0_0000, 128 * KB),)    # system memory: ST ROM bootloader + device data (RM0468 §2.3)
ALIASES = ()
UID_ADDR = 0x1FF1_E800          # 96-bit unique ID (RM0468 §61.1)
FLASHSIZE_ADDR = 0x1FF1_E880    # flash size in KB (RM0468 §61.2)
DEV_ID = 0x483
ROM_MODEL = "h7"    # ST's ROM bootloader model acting on this machine (sim/rom/h7.py); its USARTs: rom/devices.py
RESET_SYSCLK_HZ = 64_000_000    # HSI 64 MHz at reset (RM0468 §8.5.2)

# Catch-all MMIO blocks over the bus regions (RM0468 §2.3 memory map).
PERIPH_BLOCKS = (
    (0x4000_0000, 0x10_0000),   # APB1, APB2, AHB1 (D2 domain)
    (0x4802_0000, 0x1_0000),    # AHB2
    (0x5000_0000, 0x1_0000),    # APB3 (D1)
    (0x5100_0000, 0x10_0000),   # AXI GPV (D1)
    (0x5200_0000, 0x1_0000),    # AHB3 (D1): FLASH, OCTOSPI, OCTOSPIM
    (0x5800_0000, 0x3_0000),    # APB4, AHB4 (D3): GPIO, RCC, PWR
    (0x5C00_0000, 0x1_0000),    # DBGMCU
    (0xE000_0000, 0x10_0000),   # Cortex-M7 private peripheral bus: ITM, DWT, SCS
)

# USART instances: base, RCC gate, kernel clock name, TX pins, RX pins with their AF (RM0468 §2.3; datasheet
# DS13313 alternate function table).
USARTS = {
    "USART3": (0x4000_4800, ("APB1LENR", 18), "usart3",
               (("PD8", 7), ("PB10", 7), ("PC10", 7)), (("PD9", 7), ("PB11", 7), ("PC11", 7))),
    "USART1": (0x4001_1000, ("APB2ENR", 4), "usart1",
               (("PA9", 7), ("PB6", 7), ("PB14", 4)), (("PA10", 7), ("PB7", 7), ("PB15", 4))),
}
NOR_PARTS = ("mx25lm51245g",)   # external NOR models the OCTOSPI side can carry


def add_soc(m, board, uart=None, nor_part=None) -> None:
    from ..periph import crc, dbgmcu, dma, dmamux, flash, fmc, gpio, hash, ospi_board, pwr, rcc, syscfg, usart
    if nor_part not in (None,) + NOR_PARTS:
        raise ValueError(f"the {board.name}'s OCTOSPI carries {', '.join(NOR_PARTS)}, not {nor_part!r}")
    m.add(rcc.Rcc("RCC", 0x5802_4400, hse_hz=board.hse_hz))
    m.add(pwr.Pwr("PWR", 0x5802_4800))
    for port in gpio.make_ports():
        m.add(port)
    m.add(flash.Flash("FLASH", 0x5200_2000))
    m.add(fmc.Fmc("FMC", 0x5200_4000))
    m.add(syscfg.Syscfg("SYSCFG", 0x5800_0400))
    m.add(dbgmcu.Dbgmcu("DBGMCU", 0x5C00_1000, dev_id=DEV_ID))
    for name in USARTS:
        m.add(usart.Usart(name, instance=USARTS[name]))
    m.add(dma.Dma("DMA1", 0x4002_0000, gate_bit=0))   # RCC AHB1ENR DMA1EN b0
    m.add(dma.Dma("DMA2", 0x4002_0400, gate_bit=1))   # DMA2EN b1
    m.add(dmamux.Dmamux("DMAMUX1", 0x4002_0800))     # channels 0-7 -> DMA1, 8-15 -> DMA2
    m.add(hash.Hash("HASH", 0x4802_1400))     # SHA-256 unit (RM0468 §36), used by the release bootloader
    m.add(crc.Crc("CRC", 0x5802_4C00))        # CRC calculation unit (RM0468, CRC chapter): the bootloader's CRCs
    m.console = m.bus_model(board.console.name)
    m.console.set_pins(board.console)
    if uart is not None:
        m.console.attach(uart)
    if board.nor is not None or board.ext_ram is not None:
        ospi_board.add_ospi(m)    # OCTOSPI1/2 + OCTOSPIM, with the devices the board wires to them
