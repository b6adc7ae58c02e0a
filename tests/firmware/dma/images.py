"""DMA test firmware (G): USART3 RX by circular DMA into an AXI-SRAM ring (firmware/drivers/uart_dma.c),
CRC of the received block; a variant with the ring in DTCM (transfer error). Aggregated by
tests/firmware/images.py."""
IMAGES = [
    dict(name="dma_fw", sources=["firmware/port/h735/startup.c", "tests/firmware/common/console.c", "tests/firmware/dma/dma_fw.c",
                                 "firmware/drivers/clock.c", "firmware/drivers/gpio.c", "firmware/drivers/usart.c",
                                 "firmware/drivers/uart_dma.c", "native/crc32.c"],
         ldscript="tests/firmware/dma/dma.ld", out="build/testfw/dma/dma_fw.elf",
         includes=["firmware", "tests/firmware/common"]),
]
