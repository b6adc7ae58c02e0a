/* The demo's banner (banner.h). */
#include "banner.h"
#include "crc32.h"

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

static void hex(void (*puts_)(const char *), uint32_t v)
{
    char b[11] = "0x";
    for (int i = 0; i < 8; i++) b[2 + i] = "0123456789ABCDEF"[(v >> (28 - 4 * i)) & 15u];
    b[10] = 0;
    puts_(b);
}

static void dec(void (*puts_)(const char *), uint32_t v)
{
    char b[11];
    int i = 10;
    b[i] = 0;
    do { b[--i] = (char)('0' + v % 10u); v /= 10u; } while (v);
    puts_(b + i);
}

void banner_print(const char *version, const char *board_title, void (*puts_)(const char *s))
{
    uint32_t crc = crc32_mpeg2(0xFFFFFFFFu, demo_table, demo_table_size);
    puts_("stm32boot demo ");
    puts_(version);
    puts_(" on ");
    puts_(board_title);
    puts_(": NOR table CRC ");
    hex(puts_, crc);
    puts_(" (");
    dec(puts_, demo_table_size);
    puts_(" bytes at ");
    hex(puts_, (uint32_t)(uintptr_t)demo_table);
    puts_("), XIP checksum ");
    hex(puts_, nor_checksum(demo_table, 256));
    puts_(", NOR image ");
    hex(puts_, crc32_mpeg2(0xFFFFFFFFu, __nor_start, (uint32_t)(__nor_end - __nor_start)));
    puts_("\r\n");
}
