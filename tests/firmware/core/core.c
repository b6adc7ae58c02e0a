/* Simulator core test firmware: runs the scenario the host selected (core.h) and returns its result,
 * which start-up hands to BKPT #0 in r0. */
#include "core.h"
#include "mmio.h"

int main(void)
{
    uint32_t sc = MMIO32(CORE_SCENARIO_ADDR, 0);
    uint32_t arg = MMIO32(CORE_ARG_ADDR, 0);
    return run_scenario(sc, arg);
}
