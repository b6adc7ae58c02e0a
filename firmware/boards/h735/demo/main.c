/* The demo application: prints a banner with the CRC of its NOR data on USART3 at 115200, so the user
 * sees the firmware they just flashed run. It relies on the bootloader's hand-off: clocks up, NOR
 * memory-mapped at 0x90000000 (handoff.h), USART3 in its reset state. It links firmware/app/blreq.c, so the
 * host's HELLO brings the board back into the bootloader without a button press. */
#include <stdint.h>

#include "drivers/h7/clock.h"
#include "drivers/h7/gpio.h"
#include "drivers/h7/usart.h"
#include "blreq.h"
#include "crc32.h"
#include "handoff.h"
#include "mmio.h"
#include "stm32h7/rcc_regs.h"
#include "stm32h7/stm32h735.h"

#ifndef DEMO_VERSION
#define DEMO_VERSION "1.0"
#endif

extern const uint8_t demo_table[];     /* table.c (generated): in the NOR */
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
    while (*s) (void)usart_putc(USART3_BASE, (uint8_t)*s++, 10000);
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
    struct clock_freqs f;
    clock_get(&f);
    MMIO32(RCC_BASE, RCC_APB1LENR) |= RCC_APB1LENR_USART3EN;
    (void)MMIO32(RCC_BASE, RCC_APB1LENR);
    static const gpio_pin_t pins[] = {
        {GPIO_PORT_D, 8, GPIO_MODE_AF, 7, GPIO_SPEED_VHIGH, GPIO_PULL_NONE, false},
        {GPIO_PORT_D, 9, GPIO_MODE_AF, 7, GPIO_SPEED_VHIGH, GPIO_PULL_UP, false},
    };
    gpio_config_many(pins, 2);
    (void)usart_init(USART3_BASE, f.usart28_ker, 115200);
    uint32_t crc = crc32_mpeg2(0xFFFFFFFFu, demo_table, demo_table_size);
    puts_("stm32boot demo " DEMO_VERSION " on STM32H735G-DK: NOR table CRC ");
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
    (void)usart_flush(USART3_BASE, 100000);
    /* Listen on the console: the host's HELLO sends us back into the bootloader (firmware/app/blreq.h). */
    struct blreq req = {{0}, 0};
    for (;;) {
        int c = usart_getc(USART3_BASE, 1000000u);
        if (c >= 0 && blreq_feed(&req, (uint8_t)c))
            blreq_enter(BOOT_REQ_ADDR, BOOT_REQ_STAY);
    }
}
