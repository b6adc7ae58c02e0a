/* The stm32boot bootloader for the STM32F746G-DISCO: boot decision, then the portable core (core/bl.c).
 *
 * Stay in the bootloader when (a) there is no valid application, (b) the application asked for it
 * (BOOT_REQ_STAY in no-init RAM, handoff.h), or (c) a host speaks within BL_LISTEN_MS of reset.
 * Otherwise start the application with the NOR memory-mapped, USART1 back in its reset state. */
#include <stdint.h>

#include "bl.h"
#include "board.h"
#include "handoff.h"
#include "mmio.h"
#include "port.h"
#include "scb_regs.h"

static int in_ram(uint32_t a)   /* initial MSP: DTCM, SRAM1, SRAM2 are one block (RM0385 §2.3) */
{
    return a > 0x20000000u && a <= 0x20050000u;
}

static int vectors_sane(void)
{
    const volatile uint32_t *v = (const volatile uint32_t *)APP_BASE;
    uint32_t msp = v[0], pc = v[1];
    return in_ram(msp) && (pc & 1u) && (pc & ~1u) >= APP_BASE + 8u && (pc & ~1u) < APP_END;
}

/* The start decision: a committed session (the record lives in the NOR: board_nor_init first) and sane
 * vectors. */
static int app_valid(void)
{
    return bl_app_committed() && vectors_sane();
}

__attribute__((noreturn)) static void start_app(void)
{
    board_nor_map();            /* the application reads and executes the NOR in place */
    board_uart_deinit();
    MMIO32(SYST_BASE, SYST_CSR) = 0;
    const volatile uint32_t *v = (const volatile uint32_t *)APP_BASE;
    uint32_t msp = v[0], pc = v[1];
    MMIO32(SCB_BASE, SCB_VTOR) = APP_BASE;
    __asm volatile("dsb\n\tisb\n\tmsr msp, %0\n\tbx %1" : : "r"(msp), "r"(pc) : "memory");
    __builtin_unreachable();
}

int main(void)
{
    volatile uint32_t *req = (volatile uint32_t *)BOOT_REQ_ADDR;
    uint32_t request = *req;
    *req = 0;
    int up = board_init();
    (void)board_nor_init();    /* a missing or unknown NOR still leaves the internal flash usable */
    int valid = app_valid();
    if (valid && request == BOOT_REQ_RUN)
        start_app();
    if (up == -3) {
        for (;;) {   /* no UART: nothing we could report over; the ROM bootloader is the way in */
        }
    }
    bl_init();
    int stay = !valid || request == BOOT_REQ_STAY;
    uint32_t t0 = port_millis();
    for (;;) {
        bl_poll();
        if (!stay && !bl_host_seen() && port_millis() - t0 > BL_LISTEN_MS)
            start_app();
    }
}
