"""DMA test firmware (G): USART3 RX by circular DMA into an AXI-SRAM ring (firmware/drivers/h7/uart_dma.c over
firmware/drivers/stm32/uart_rx_ring.c), CRC of the received block; a variant with the ring in DTCM (transfer
error). Aggregated by
tests/firmware/images.py."""
IMAGES = [
    dict(name="dma_fw", sources=["firmware/boards/h735/startup.c", "tests/firmware/common/console.c", "tests/firmware/dma/dma_fw.c",
                                 "firmware/drivers/h7/clock.c", "firmware/drivers/h7/gpio.c", "firmware/drivers/h7/usart.c",
                                 "firmware/drivers/h7/uart_dma.c", "firmware/drivers/stm32/uart_rx_ring.c",
                                 "firmware/boards/h735/clocks.c", "native/crc32.c"],
         ldscript="tests/firmware/dma/dma.ld", out="build/testfw/dma/dma_fw.elf",
         includes=["firmware", "tests/firmware/common"]),
]


def _h7_cpu(images):
    """These firmwares run on the simulated H735: its CPU flags (firmware/cpu.py) for every image."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "firmware"))
    try:
        import cpu
    finally:
        sys.path.pop(0)
    return [dict({"cpu": cpu.H7}, **img) for img in images]


IMAGES = _h7_cpu(IMAGES)
