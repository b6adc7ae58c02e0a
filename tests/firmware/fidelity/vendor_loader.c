/* An external loader written the way vendor (HAL/BSP-based) loaders behave, not the way ours does, for
 * the loader harness's fidelity tests (issue 16). One source, variants by define:
 *   WAIT_STYLE 0  erase/program waits by automatic status polling, a tick read between SR reads
 *              (HAL_OSPI_AutoPolling + HAL_GetTick); 1: repeated indirect RDSR reads; 2: the same
 *              with a tick read between reads (SysTick CVR, as a polled HAL_GetTick does)
 *   SECTOR64   StorageInfo in 64 KB sectors, SectorErase by 64 KB block erase (0xDC)
 *   HAL_INIT   Init configures the controller and waits for BUSY=0 without a bound, like HAL_OSPI_Init
 *              with HAL_GetTick() == 1 (no ABORT first: hangs when an application left the NOR mapped)
 *   RCC_RESET  the same after force-resetting OCTOSPI1/2 and the IO manager through RCC AHB3RSTR (BSP
 *              DeInit), which makes it safe whatever the application left
 *   VOS0       Init selects VOS Scale 0 and waits for VOSRDY without configuring the supply (PWR CR3)
 *   IAR_BSS    .bss outside every loadable segment (see vendor_iar.ld), zeroed by Init
 *   WRONG_PIN  the NOR's CLK (PF10) set to AF10 instead of AF9 (a pin-out copied from another board)
 * Pins as the board wires them (UM2679 schematic); NOR commands from ../ospi/nor_min.c. */
#include <stdint.h>

#include "stm32h7/gpio_regs.h"
#include "nor_min.h"
#include "stm32h7/pwr_regs.h"
#include "scb_regs.h"
#include "storage_info.h"

#ifndef WAIT_STYLE
#define WAIT_STYLE 0
#endif
#ifdef SECTOR64
#define SECTOR 0x10000u
#define ERASE_OP 0xDCu
#else
#define SECTOR 0x1000u
#define ERASE_OP 0x21u
#endif
#define NOR_BASE OCTOSPI1_MEM_BASE
#define PAGE 256u

__attribute__((section(".storage_info"), used))
const struct storage_info StorageInfo = {
    .name = LOADER_NAME, .type = 3, .start = NOR_BASE, .size = 64u << 20, .page = PAGE,
    .erase_value = 0xFF, .sectors = {{(64u << 20) / SECTOR, SECTOR}, {0u, 0u}},
};

#ifdef IAR_BSS
extern uint32_t __bss_start, __bss_end;
static volatile uint32_t state[16];    /* the handle structs a HAL loader keeps in .bss */
#endif

static volatile uint32_t tick_sink;

__attribute__((unused)) static void tick(void)
{
    tick_sink += MMIO32(SYST_BASE, SYST_CVR);   /* HAL_GetTick by polling SysTick */
}

/* pin: port number (A=0 .. K=10) << 4 | pin; AF number */
static void pin_af(uint32_t pp, uint32_t af)
{
    uintptr_t g = GPIO_BASE(pp >> 4);
    uint32_t n = pp & 15u;
    MMIO32(RCC_BASE, RCC_AHB4ENR) |= 1u << (pp >> 4);
    MMIO32(g, n < 8u ? GPIO_AFRL : GPIO_AFRH) = (MMIO32(g, n < 8u ? GPIO_AFRL : GPIO_AFRH) &
                                                 ~(15u << 4u * (n & 7u))) | af << 4u * (n & 7u);
    MMIO32(g, GPIO_OSPEEDR) |= 3u << 2u * n;
    MMIO32(g, GPIO_MODER) = (MMIO32(g, GPIO_MODER) & ~(3u << 2u * n)) | GPIO_MODE_AF << 2u * n;
}

#define PB 1u
#define PD 3u
#define PE 4u
#define PF 5u
#define PG 6u
#ifdef WRONG_PIN
#define CLK_AF 10u
#else
#define CLK_AF 9u
#endif

static void msp_init(void)
{
    static const uint8_t pins[][2] = {
        {PG << 4 | 6, 10}, {PF << 4 | 10, CLK_AF}, {PB << 4 | 2, 10}, {PD << 4 | 11, 9}, {PD << 4 | 12, 9},
        {PE << 4 | 2, 9}, {PD << 4 | 13, 9}, {PD << 4 | 4, 10}, {PD << 4 | 5, 10}, {PG << 4 | 9, 9},
        {PD << 4 | 7, 10},
    };
    for (uint32_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        pin_af(pins[i][0], pins[i][1]);
    }
}

static void wait_wip(void)
{
#if WAIT_STYLE == 0
    nm_fmode(O1, 0);
    R(O1, CCR) = CCR_DOPI(1, 1, 1);
    R(O1, TCR) = (R(O1, TCR) & ~OCTOSPI_TCR_DCYC_Msk) | 5u;
    R(O1, DLR) = 1u;
    R(O1, PSMKR) = 1;
    R(O1, PSMAR) = 0;
    R(O1, PIR) = 0x10;
    R(O1, CR) |= OCTOSPI_CR_APMS;
    nm_fmode(O1, 2);
    R(O1, IR) = 0x05FAu;
    R(O1, AR) = 0;
    while (!(R(O1, SR) & OCTOSPI_SR_SMF)) {
        tick();
    }
    R(O1, FCR) = OCTOSPI_FCR_CSMF;
    R(O1, CR) &= ~OCTOSPI_CR_APMS;
#else
    uint8_t sr[2];
    do {
#if WAIT_STYLE == 2
        tick();
#endif
        nm_rd(0x05, 1, 0, 5, sr, 2);
    } while (sr[0] & 1u);
#endif
}

static void map(void)
{
    nm_map_dtr(6u);
}

int Init(void)
{
#ifdef IAR_BSS
    for (uint32_t *p = &__bss_start; p < &__bss_end; p++) {
        *p = 0;
    }
    state[0] = 1;
#endif
#ifdef VOS0
    MMIO32(PWR_BASE, PWR_D3CR) = (MMIO32(PWR_BASE, PWR_D3CR) & ~PWR_D3CR_VOS_Msk) |
                                 PWR_VOS_SCALE0 << PWR_D3CR_VOS_Pos;
    while (!(MMIO32(PWR_BASE, PWR_D3CR) & PWR_D3CR_VOSRDY)) {
    }
#endif
    msp_init();
    nm_clocks_on();
#if defined(RCC_RESET) || defined(HAL_INIT)
#ifdef RCC_RESET
    MMIO32(RCC_BASE, RCC_AHB3RSTR) |= RCC_AHB3ENR_OSPI1EN | RCC_AHB3ENR_OSPI2EN | RCC_AHB3ENR_IOMNGREN;
    MMIO32(RCC_BASE, RCC_AHB3RSTR) &= ~(RCC_AHB3ENR_OSPI1EN | RCC_AHB3ENR_OSPI2EN | RCC_AHB3ENR_IOMNGREN);
#endif
    R(O1, DCR1) = (OCTOSPI_MTYP_MACRONIX << OCTOSPI_DCR1_MTYP_Pos) | (25u << OCTOSPI_DCR1_DEVSIZE_Pos);
    while (R(O1, SR) & OCTOSPI_SR_BUSY) {   /* HAL_OSPI_Init: no bound when HAL_GetTick() == 1 */
    }
#endif
    if (!nm_probe_dopi()) {
        return 0;
    }
    map();
    return 1;
}

int Write(uint32_t addr, uint32_t size, const uint8_t *buf)
{
    nm_abort();
    nm_program(addr - NOR_BASE, size, buf, wait_wip);
    map();
    return 1;
}

int SectorErase(uint32_t first, uint32_t last)
{
    nm_abort();
    nm_erase(first - NOR_BASE, last - NOR_BASE, SECTOR, ERASE_OP, wait_wip);
    map();
    return 1;
}
