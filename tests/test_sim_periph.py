"""RCC, PWR and GPIO models, driven through their registers as firmware would (no CPU)."""
import pytest

from stm32boot import _regs
from stm32boot.sim.clock import us
from stm32boot.sim.periph.gpio import pin_function
from sim_soc_fake import make_soc, rd, run_until, wr

C = _regs.lib


def bring_up_520(m):
    rcc = m.rcc
    wr(rcc, C.RCC_CR, rd(rcc, C.RCC_CR) | C.RCC_CR_HSEON)
    run_until(m, lambda: rd(rcc, C.RCC_CR) & C.RCC_CR_HSERDY)
    wr(rcc, C.RCC_PLLCKSELR, C.RCC_PLLSRC_HSE | 5 << C.RCC_PLLCKSELR_DIVM1_Pos | 5 << C.RCC_PLLCKSELR_DIVM2_Pos
       | 5 << C.RCC_PLLCKSELR_DIVM3_Pos)
    wr(rcc, C.RCC_PLL1DIVR, 103 | 0 << 9 | 3 << 16 | 1 << 24)
    wr(rcc, C.RCC_PLL2DIVR, 79 | 1 << 9 | 1 << 16 | 1 << 24)
    wr(rcc, C.RCC_PLL3DIVR, 93 | 1 << 9 | 7 << 16 | 1 << 24)
    wr(rcc, C.RCC_PLL3FRACR, 3046 << 3)
    wr(rcc, C.RCC_PLLCFGR, 2 << 2 | 2 << 6 | 2 << 10 | C.RCC_PLLCFGR_PLL3FRACEN | 0x1FF << 16)
    wr(rcc, C.RCC_CR, rd(rcc, C.RCC_CR) | C.RCC_CR_PLL1ON | C.RCC_CR_PLL2ON | C.RCC_CR_PLL3ON)
    run_until(m, lambda: rd(rcc, C.RCC_CR) & C.RCC_CR_PLL1RDY)
    wr(rcc, C.RCC_D1CFGR, C.RCC_HPRE_DIV2 | C.RCC_PPRE_DIV2 << 4)
    wr(rcc, C.RCC_D2CFGR, 4 << 4 | 4 << 8)
    wr(rcc, C.RCC_D3CFGR, 4 << 4)
    wr(rcc, C.RCC_CFGR, C.RCC_SW_PLL1)


def test_reset_state_is_hsi_64mhz_everywhere():
    m = make_soc()
    assert m.rcc.sysclk_hz() == m.rcc.hclk_hz() == m.rcc.pclk_hz(1) == 64_000_000
    assert m.rcc.kernel_hz("usart3") == m.rcc.kernel_hz("octospi") == 64_000_000


def test_hse_ready_only_after_a_virtual_delay():
    m = make_soc()
    wr(m.rcc, C.RCC_CR, rd(m.rcc, C.RCC_CR) | C.RCC_CR_HSEON)
    assert not rd(m.rcc, C.RCC_CR) & C.RCC_CR_HSERDY
    run_until(m, lambda: rd(m.rcc, C.RCC_CR) & C.RCC_CR_HSERDY)
    assert m.clock.now > 0


def test_pll_bring_up_gives_520mhz_and_exact_kernel_clocks():
    m = make_soc()
    bring_up_520(m)
    assert rd(m.rcc, C.RCC_CFGR) >> C.RCC_CFGR_SWS_Pos & 7 == C.RCC_SW_PLL1
    assert m.rcc.sysclk_hz() == 520_000_000
    assert m.rcc.hclk_hz() == 260_000_000
    assert [m.rcc.pclk_hz(n) for n in (1, 2, 3, 4)] == [130_000_000] * 4
    wr(m.rcc, C.RCC_D2CCIP2R, C.RCC_USARTSEL_PLL3Q)
    wr(m.rcc, C.RCC_D1CCIPR, C.RCC_OCTOSPISEL_PLL2R << C.RCC_D1CCIPR_OCTOSPISEL_Pos)
    assert m.rcc.kernel_hz("octospi") == 200_000_000
    assert m.rcc.kernel_hz("usart3") == pytest.approx(64 * 921600, rel=1e-6)


def test_pll_config_written_while_on_is_ignored():
    m = make_soc()
    bring_up_520(m)
    wr(m.rcc, C.RCC_PLL1DIVR, 50)
    assert rd(m.rcc, C.RCC_PLL1DIVR) & 0x1FF == 103
    assert m.rcc.sysclk_hz() == 520_000_000
    assert any("PLL1DIVR" in n for n in m.rcc.notes)


def test_switch_to_a_pll_that_is_not_ready_is_refused():
    m = make_soc()
    wr(m.rcc, C.RCC_CFGR, C.RCC_SW_PLL1)
    assert rd(m.rcc, C.RCC_CFGR) >> C.RCC_CFGR_SWS_Pos & 7 == C.RCC_SW_HSI
    assert m.rcc.sysclk_hz() == 64_000_000
    assert any("not ready" in n for n in m.rcc.notes)


def test_pll_without_its_input_clock_never_locks():
    m = make_soc()
    wr(m.rcc, C.RCC_PLLCKSELR, C.RCC_PLLSRC_HSE | 5 << 4)   # HSE never turned on
    wr(m.rcc, C.RCC_CR, rd(m.rcc, C.RCC_CR) | C.RCC_CR_PLL1ON)
    m.clock.advance_to(m.clock.now + us(10_000))
    assert not rd(m.rcc, C.RCC_CR) & C.RCC_CR_PLL1RDY


def test_pwr_supply_then_vos0():
    m = make_soc()
    assert not rd(m.pwr, C.PWR_CSR1) & C.PWR_CSR1_ACTVOSRDY
    wr(m.pwr, C.PWR_CR3, C.PWR_CR3_SMPSEN)
    run_until(m, lambda: rd(m.pwr, C.PWR_CSR1) & C.PWR_CSR1_ACTVOSRDY)
    run_until(m, lambda: rd(m.pwr, C.PWR_D3CR) & C.PWR_D3CR_VOSRDY)
    wr(m.pwr, C.PWR_D3CR, C.PWR_VOS_SCALE0 << C.PWR_D3CR_VOS_Pos)
    assert not rd(m.pwr, C.PWR_D3CR) & C.PWR_D3CR_VOSRDY
    run_until(m, lambda: rd(m.pwr, C.PWR_D3CR) & C.PWR_D3CR_VOSRDY)
    assert m.pwr.vos_scale() == "Scale 0"
    wr(m.pwr, C.PWR_CR3, C.PWR_CR3_LDOEN)   # write-once: ignored
    assert rd(m.pwr, C.PWR_CR3) & 0x7 == C.PWR_CR3_SMPSEN


def test_gpio_reset_values_bsrr_and_pin_function():
    m = make_soc()
    wr(m.rcc, C.RCC_AHB4ENR, 0x7FF)
    assert rd(m.gpioa, C.GPIO_MODER) == 0xABFFFFFF
    assert rd(m.gpiob, C.GPIO_MODER) == 0xFFFFFEBF
    assert rd(m.gpiod, C.GPIO_MODER) == 0xFFFFFFFF
    assert pin_function(m, "PD8") == ("analog", None)
    wr(m.gpiod, C.GPIO_AFRH, 0x77)
    wr(m.gpiod, C.GPIO_MODER, rd(m.gpiod, C.GPIO_MODER) & ~(0xF << 16) | 0xA << 16)
    assert pin_function(m, "PD8") == ("af", 7) and pin_function(m, "PD9") == ("af", 7)
    wr(m.gpioc, C.GPIO_MODER, rd(m.gpioc, C.GPIO_MODER) & ~(3 << 6) | 1 << 6)   # PC3 output
    wr(m.gpioc, C.GPIO_BSRR, 1 << 3)
    assert rd(m.gpioc, C.GPIO_IDR) >> 3 & 1 == 1 and pin_function(m, "PC3") == ("output", 1)
    wr(m.gpioc, C.GPIO_BSRR, 1 << 19)
    assert rd(m.gpioc, C.GPIO_ODR) >> 3 & 1 == 0


def test_gpio_clock_off_reads_zero_and_ignores_writes():
    m = make_soc()
    assert rd(m.gpiod, C.GPIO_MODER) == 0
    wr(m.gpiod, C.GPIO_MODER, 0)
    wr(m.rcc, C.RCC_AHB4ENR, C.RCC_AHB4ENR_GPIODEN)
    assert rd(m.gpiod, C.GPIO_MODER) == 0xFFFFFFFF


def test_dbgmcu_reports_the_h73x_device_id():
    from stm32boot.sim.periph.dbgmcu import Dbgmcu
    d = Dbgmcu()
    d.bus_write(C.DBGMCU_IDCODE, 4, 0)   # read-only
    assert d.bus_read(C.DBGMCU_IDCODE, 4) & C.DBGMCU_IDCODE_DEV_ID_Msk == C.DBGMCU_DEV_ID_H72X_H73X
