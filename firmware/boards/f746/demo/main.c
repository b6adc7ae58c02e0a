/* The F746 demo application: prints a banner with the CRC of its NOR data on USART1 at 115200, so the
 * user sees the firmware they just flashed run. It relies on the bootloader's hand-off: 216 MHz, the NOR
 * memory-mapped at 0x90000000, USART1 in its reset state. */
#include <stdint.h>

#include "crc32.h"
#include "drivers/f7/pins.h"
#include "drivers/f7/uart.h"
#include "mmio.h"
#include "stm32f7/rcc_regs.h"
#include "stm32f7/stm32f746.h"
#include "wiring.h"

#ifndef DEMO_VERSION
#define DEMO_VERSION "1.0"
#endif

extern const uint8_t demo_table[];     /* demo_table.c (generated): in the NOR */
extern const uint32_t demo_table_size;
extern const uint8_t __nor_start[], __nor_end[];
/* Executed in place from the NOR: a long call, it is 2 GB away from internal flash. */
__attribute__((long_call)) uint32_t nor_checksum(const uint8_t *p, uint32_t n);

__attribute__((section(".nor_text"), noinline)) uint32_t nor_checksum(const uint8_t *p, uint32_t n)
{
    uint32_t s = 0;
    while (n--) s = (s << 1 | s >> 31) ^ *p++;
    return s;
}

static void puts_(const char *s)
{
    while (*s) {
        while (!uart_putc(USART1_BASE, (uint8_t)*s)) {
        }
        s++;
    }
}

static void hex(uint32_t v)
{
    char b[11] = "0x";
    for (int i = 0; i < 8; i++) b[2 + i] = "0123456789ABCDEF"[(v >> (28 - 4 * i)) & 15u];
    b[10] = 0;
    puts_(b);
}

static void dec(uint32_t v)
{
    char b[11];
    int i = 10;
    b[i] = 0;
    do { b[--i] = (char)('0' + v % 10u); v /= 10u; } while (v);
    puts_(b + i);
}

int main(void)
{
    MMIO32(RCC_BASE, RCC_APB2ENR) |= RCC_APB2ENR_USART1EN;
    (void)MMIO32(RCC_BASE, RCC_APB2ENR);
    wiring_console_pins();
    (void)uart_init(USART1_BASE, wiring_hclk() / 2u, 115200);   /* PCLK2 = HCLK / 2 */
    uint32_t crc = crc32_mpeg2(0xFFFFFFFFu, demo_table, demo_table_size);
    puts_("stm32boot demo " DEMO_VERSION " on STM32F746G-DISCO: NOR table CRC ");
    hex(crc);
    puts_(" (");
    dec(demo_table_size);
    puts_(" bytes at ");
    hex((uint32_t)(uintptr_t)demo_table);
    puts_("), XIP checksum ");
    hex(nor_checksum(demo_table, 256));
    puts_(", NOR image ");
    hex(crc32_mpeg2(0xFFFFFFFFu, __nor_start, (uint32_t)(__nor_end - __nor_start)));
    puts_("\r\n");
    uart_flush(USART1_BASE, 1000000u);
    for (;;)
        __asm volatile("wfi");
}
