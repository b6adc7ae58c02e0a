/* OCTOSPI I/O manager driver (RM0468, OCTOSPIM chapter). */
#include "ospim.h"

const struct ospim_cfg ospim_cfg_reset = {
    .cr = 0u,
    .pcr = {OCTOSPIM_P1CR_RESET, OCTOSPIM_P2CR_RESET},
};

bool ospim_matches(uintptr_t ospim_base, const struct ospim_cfg *cfg)
{
    return MMIO32(ospim_base, OCTOSPIM_CR) == cfg->cr &&
           MMIO32(ospim_base, OCTOSPIM_P1CR) == cfg->pcr[0] &&
           MMIO32(ospim_base, OCTOSPIM_P2CR) == cfg->pcr[1];
}

ospi_status ospim_config(uintptr_t ospim_base, const uintptr_t ospi_bases[2], const struct ospim_cfg *cfg)
{
    /* EN covers memory-mapped too (mapped implies enabled). Refused, never performed. */
    if (ospi_is_enabled(ospi_bases[0]) || ospi_is_enabled(ospi_bases[1]))
        return OSPI_E_ACTIVE;
    MMIO32(ospim_base, OCTOSPIM_CR) = cfg->cr;
    MMIO32(ospim_base, OCTOSPIM_P1CR) = cfg->pcr[0];
    MMIO32(ospim_base, OCTOSPIM_P2CR) = cfg->pcr[1];
    return OSPI_OK;
}
