/* DMA test firmware. Clocks up (direct SMPS, 520 MHz), USART3 on PD8/PD9 AF7 at 115200 from PLL3Q, then
 * one command byte and its parameters (little-endian u32):
 *   'R' baud len chunk: switch to `baud`, start the RX ring (DMA1 stream 1, 32 KB in AXI SRAM), answer
 *       "ready\n", receive `len` bytes consuming `chunk` at a time (0: half a ring; 1: uart_rx_ring_getc
 *       byte by byte with uart_rx_ring_idle, as a bootloader main loop would), CRC-32/MPEG-2 them
 *       (native/crc32.c), report n=, crc=, err=, lost=.
 *   'D': the same ring pointed at a DTCM buffer: report rc= (UART_RX_ERR_DMA expected) and teif=.
 *   'O' len: small ring (256 B), sleep while `len` bytes arrive, then report the overflow the driver saw.
 * Returning from main stops the simulator (BKPT in startup.c). */
#include "crc32.h"
#include "console.h"
#include "drivers/h7/clock.h"
#include "drivers/h7/uart_dma.h"
#include "drivers/h7/usart.h"
#include "stm32h7/dma_regs.h"
#include "mmio.h"
#include "stm32h7/rcc_regs.h"
#include "scb_regs.h"
#include "stm32h7/stm32h735.h"

#define UART USART3_BASE
#define RING_SIZE (32u * 1024u)

static uint8_t ring_buf[RING_SIZE] UART_RX_DMA_BUFFER;
static uint8_t dtcm_buf[64];          /* .bss: DTCM in this image, unreachable by DMA1 */
static uart_rx_ring_t ring;

static uint32_t get_u32(void)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)(usart_getc(UART, 1000000u) & 0xFF) << (8 * i);
    }
    return v;
}

/* A sleep the simulator can jump over: SysTick COUNTFLAG polling (24-bit reload, < 32 ms at 520 MHz). */
static void sleep_us(uint32_t us)
{
    MMIO32(SYST_BASE, SYST_RVR) = clock_cpu_hz() / 1000000u * us - 1u;
    MMIO32(SYST_BASE, SYST_CVR) = 0;
    MMIO32(SYST_BASE, SYST_CSR) = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE;
    while (!(MMIO32(SYST_BASE, SYST_CSR) & SYST_CSR_COUNTFLAG)) {
    }
    MMIO32(SYST_BASE, SYST_CSR) = 0;
}

static void report_err(int rc)
{
    say("err=");
    say(rc < 0 ? uart_rx_ring_strerror(rc) : "ok");
    say("\n");
}

static void scenario_receive(uint32_t ker)
{
    uint32_t baud = get_u32(), len = get_u32(), chunk = get_u32();
    if (!chunk || chunk > RING_SIZE / 2u) {
        chunk = RING_SIZE / 2u;
    }
    say("go\n");
    usart_flush(UART, 100000u);
    if (usart_init(UART, ker, baud) != USART_OK) {
        return;
    }
    int rc = uart_rx_ring_start(&ring, UART, DMA1_BASE, 1u, ring_buf, RING_SIZE);
    say("ready\n");
    uint32_t crc = CRC32_MPEG2_INIT, got = 0;
    while (rc >= 0 && got < len && chunk == 1u) {   /* a byte-at-a-time consumer (bootloader style) */
        int c = uart_rx_ring_getc(&ring);
        if (c == UART_RX_ERR_TIMEOUT) {
            uart_rx_ring_idle(&ring);
            continue;
        }
        rc = c;
        if (c >= 0) {
            uint8_t b = (uint8_t)c;
            crc = crc32_mpeg2(crc, &b, 1);
            got++;
        }
    }
    while (rc >= 0 && got < len) {
        uint32_t want = len - got < chunk ? len - got : chunk;
        rc = uart_rx_ring_wait(&ring, want, 2000000u);
        while (rc >= 0 && want) {
            size_t run;
            const uint8_t *p = uart_rx_ring_peek(&ring, &run);
            if (run > want) {
                run = want;
            }
            crc = crc32_mpeg2(crc, p, run);
            uart_rx_ring_consume(&ring, run);
            got += (uint32_t)run;
            want -= (uint32_t)run;
        }
    }
    say_kv("n", got);
    say_kv("crc", crc);
    say_kv("lost", ring.lost);
    report_err(rc);
    uart_rx_ring_stop(&ring);
}

static void scenario_dtcm(void)
{
    int rc = uart_rx_ring_start(&ring, UART, DMA1_BASE, 2u, dtcm_buf, sizeof dtcm_buf);
    say("ready\n");
    if (rc >= 0) {
        rc = uart_rx_ring_wait(&ring, 1, 100000u);
    }
    say_kv("teif", (MMIO32(DMA1_BASE, DMA_LISR) >> DMA_FLAG_SHIFT(2u) & DMA_FLAG_TEIF) != 0u);
    say_kv("en", MMIO32(DMA1_BASE, DMA_SxCR(2u)) & DMA_SxCR_EN);
    report_err(rc);
    uart_rx_ring_stop(&ring);
}

static void scenario_overflow(void)
{
    uint32_t len = get_u32();
    int rc = uart_rx_ring_start(&ring, UART, DMA1_BASE, 3u, ring_buf, 256u);
    say("ready\n");
    usart_flush(UART, 100000u);
    /* `len` bytes at 115200 take 86.8 us each: sleep through all of them, then look */
    for (uint32_t slept = 0; slept < len * 87u + 1000u; slept += 20000u) {
        sleep_us(20000u);
    }
    int first = uart_rx_ring_available(&ring);
    say_kv("overflow", first == UART_RX_ERR_OVERFLOW);
    say_kv("lost", ring.lost);
    (void)rc;
    uart_rx_ring_stop(&ring);
}

int main(void)
{
    clock_status_t rc;
    struct clock_freqs f;
    if (console_init(&f, &rc) != 0) {
        return 2;
    }
    say("?\n");
    int cmd = usart_getc(UART, 10000000u);
    switch (cmd) {
    case 'R': scenario_receive(f.usart28_ker); break;
    case 'D': scenario_dtcm(); break;
    case 'O': scenario_overflow(); break;
    default: say("unknown command\n"); break;
    }
    usart_flush(UART, 100000u);
    return rc == CLOCK_OK ? 0 : 1;
}
