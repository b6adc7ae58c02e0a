"""STM32F745/F746 (RM0385, datasheet DS10916): memory map, bus regions, reset clock and the peripheral
models at their bases. The board adds the wiring: console USART and pins, HSE, which NOR on QUADSPI."""
from __future__ import annotations

KB, MB = 1024, 1024 * 1024

CORE, FPU = "cortex-m7", "fpv5-sp-d16"    # single-precision FPU (DS10916 §3.1)
# 1 MB single bank on AXIM: 4 x 32 KB + 128 KB + 3 x 256 KB (RM0385 §3.3.1 table 4).
FLASH = (0x0800_0000, 1 * MB, ((4, 32 * KB), (1, 128 * KB), (3, 256 * KB)))
FLASH_PROGRAM_UNIT = 1        # PSIZE x8 programs single bytes (RM0385 §3.6.2)
RAM = (                       # RM0385 §2.2.2 memory map, §2.3 embedded SRAM
    ("ITCM", 0x0000_0000, 16 * KB),
    ("DTCM", 0x2000_0000, 64 * KB),
    ("SRAM1", 0x2001_0000, 240 * KB),
    ("SRAM2", 0x2004_C000, 16 * KB),
)
ROMS = (
    ("SYSMEM", 0x1FF0_0000, 64 * KB),     # ROM bootloader (60 KB), OTP, unique ID, flash size
    ("OPTBYTES", 0x1FFF_0000, 4 * KB),    # option bytes: 32 bytes used (RM0385 §3.4)
)
# The ITCM interface sees flash at 0x0020_0000 and system memory at 0x0010_0000 (RM0385 §2.2.2): data reads.
ALIASES = (("FLASH_ITCM", 0x0020_0000, "FLASH"), ("SYSMEM_ITCM", 0x0010_0000, "SYSMEM"))
UID_ADDR = 0x1FF0_F420          # 96-bit unique ID (RM0385 §41.1)
FLASHSIZE_ADDR = 0x1FF0_F442    # flash size in KB (RM0385 §41.2)
DEV_ID = 0x449
RESET_SYSCLK_HZ = 16_000_000    # HSI 16 MHz at reset (RM0385 §5.2.2)
BOOT_ADD0_FACTORY = 0x0080      # boot from flash on ITCM: 0x0080 << 14 = 0x0020_0000 (RM0385 §2.4)

PERIPH_BLOCKS = (               # RM0385 §2.2.2 table 1
    (0x4000_0000, 0x8000),      # APB1
    (0x4001_0000, 0x6C00),      # APB2
    (0x4002_0000, 0x6_0000),    # AHB1: GPIO, CRC, RCC, FLASH, DMA, ...
    (0x5000_0000, 0x6_0C00),    # AHB2
    (0xA000_0000, 0x2000),      # AHB3 control registers: FMC, QUADSPI
    (0xE000_0000, 0x10_0000),   # Cortex-M7 private peripheral bus (incl. DBGMCU 0xE004_2000)
)
USARTS = {   # base, RCC gate, kernel clock, TX pins, RX pins with AF (DS10916 table 12 alternate functions)
    "USART1": (0x4001_1000, ("APB2ENR", 4), "usart1",
               (("PA9", 7), ("PB6", 7)), (("PA10", 7), ("PB7", 7))),
    "USART6": (0x4001_1400, ("APB2ENR", 5), "usart6",
               (("PC6", 8), ("PG14", 8)), (("PC7", 8), ("PG9", 8))),
}
# DMA controllers: base, RCC AHB1ENR/AHB1RSTR bit (RM0385 §2.2.2 table 1, §5.3.10). Which stream and channel
# (SxCR.CHSEL) carry a peripheral's request: RM0385 §8.3.3 (channel selection, DMA1/DMA2 request mapping tables).
DMAS = {"DMA1": (0x4002_6000, 21), "DMA2": (0x4002_6400, 22)}
DMA_REQUESTS = {
    "USART1_RX": (("DMA2", 2, 4), ("DMA2", 5, 4)),
    "USART6_RX": (("DMA2", 1, 5), ("DMA2", 2, 5)),
}
USART_RESET_LINES = {"USART1": ("APB2RSTR", 4), "USART6": ("APB2RSTR", 5)}
GPIO_PORTS = "ABCDEFGHIJK"
GPIO_RESETS = {"A": (0xA800_0000, 0x0C00_0000, 0x6400_0000), "B": (0x0000_0280, 0x0000_00C0, 0x0000_0100)}
QSPI_BASE, QSPI_WINDOW = 0xA000_1000, 0x9000_0000
NOR_PARTS = ("n25q128a", "w25q128jv")   # QUADSPI NOR models (sim/devices/)


def nor_model(part: str):
    if part == "n25q128a":
        from ..devices.n25q128a import N25Q128A
        return N25Q128A
    if part == "w25q128jv":
        from ..devices.w25q128jv import W25Q128JV
        return W25Q128JV
    raise ValueError(f"no QUADSPI NOR model {part!r} (known: {', '.join(NOR_PARTS)})")


def add_soc(m, board, uart=None, nor_part=None, nor_profile="typical") -> None:
    from ..f7 import dbgmcu, dma, flash, pwr, quadspi, rcc, usart
    from ..periph import gpio
    m.add(rcc.RccF7("RCC", 0x4002_3800, hse_hz=board.hse_hz))
    m.add(pwr.PwrF7("PWR", 0x4000_7000))
    for port in gpio.make_ports(letters=GPIO_PORTS, base=0x4002_0000, gate_reg="AHB1ENR", resets=GPIO_RESETS,
                                default=(0, 0, 0)):
        port.reset_line = ("AHB1RSTR", "ABCDEFGHIJK".index(port.letter))
        m.add(port)
    opt = next(r for r in m.regions if r.name == "OPTBYTES")
    m.add(flash.FlashF7("FLASH", 0x4002_3C00, flash_base=FLASH[0], options_rom=opt))
    m.add(dbgmcu.DbgmcuF7("DBGMCU", 0xE004_2000, dev_id=DEV_ID))
    for name, (base, bit) in DMAS.items():
        d = m.add(dma.DmaF7(name, base, gate_bit=bit))
        d.reset_line = ("AHB1RSTR", bit)
    for name, inst in USARTS.items():
        u = m.add(usart.UsartF7(name, instance=inst))
        u.reset_line = USART_RESET_LINES[name]
        u.rx_dma_routes = DMA_REQUESTS.get(f"{name}_RX", ())
    m.console = m.bus_model(board.console.name)
    m.console.set_pins(board.console)
    if uart is not None:
        m.console.attach(uart)
    # BOOT_ADD0 = 0x0080 boots from flash on ITCM (0x0020_0000); the same bytes are read through AXIM here
    # because the simulated ITCM alias serves data reads only (sim/memory.py).
    boot = (m.flash_ctl.get("OPTCR1", "BOOT_ADD0") or BOOT_ADD0_FACTORY) << 14
    m.boot_address = FLASH[0] + boot - 0x0020_0000 if 0x0020_0000 <= boot < 0x0030_0000 else boot
    if board.nor is not None:
        _add_quadspi(m, board, nor_part or board.nor.default, nor_profile)


def _add_quadspi(m, board, part, profile):
    from ..f7.quadspi import Quadspi
    cls = nor_model(part)
    state = getattr(m, "state", None)
    size = cls.part.size
    mem = state.blob("nor", size, sparse=True) if state is not None else None
    nor = cls(m.clock, profile=profile, mem=mem)
    if state is not None:
        nor.listeners.append(lambda lo, hi: state.wrote("nor", lo, hi - lo))   # durable at once (state.py)
        if state.values.get("nor_nv"):
            nor.load_nv(state.values["nor_nv"])     # status/configuration bits survive power-off
        nor.on_nv = lambda d: state.values.__setitem__("nor_nv", d)
    q = m.add(Quadspi("QUADSPI", QSPI_BASE, QSPI_WINDOW, device=nor, machine=m))
    q.reset_line = ("AHB3RSTR", 1)
    q.pins = board.nor.pins
    m.nor = nor
    m.add_fault_explainer(lambda addr, access: q.fault_hint(addr))

    def load_nor(addr, data):
        """ELF segments linked into the QUADSPI window: as if programmed (bits only cleared)."""
        off = addr - QSPI_WINDOW
        for i, b in enumerate(data):
            nor.mem[off + i] &= b
        nor.changed(off, off + len(data))

    m.register_loader(QSPI_WINDOW, size, load_nor)
