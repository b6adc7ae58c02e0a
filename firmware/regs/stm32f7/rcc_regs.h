/* F7 reset and clock control (RM0385 §5.3 RCC registers). */
#ifndef F7_RCC_REGS_H
#define F7_RCC_REGS_H

#define RCC_CR          0x00u
#define RCC_PLLCFGR     0x04u
#define RCC_CFGR        0x08u
#define RCC_CIR         0x0Cu
#define RCC_AHB1RSTR    0x10u
#define RCC_AHB2RSTR    0x14u
#define RCC_AHB3RSTR    0x18u
#define RCC_APB1RSTR    0x20u
#define RCC_APB2RSTR    0x24u
#define RCC_AHB1ENR     0x30u
#define RCC_AHB2ENR     0x34u
#define RCC_AHB3ENR     0x38u
#define RCC_APB1ENR     0x40u
#define RCC_APB2ENR     0x44u
#define RCC_AHB1LPENR   0x50u
#define RCC_AHB2LPENR   0x54u
#define RCC_AHB3LPENR   0x58u
#define RCC_APB1LPENR   0x60u
#define RCC_APB2LPENR   0x64u
#define RCC_BDCR        0x70u
#define RCC_CSR         0x74u
#define RCC_SSCGR       0x80u
#define RCC_PLLI2SCFGR  0x84u
#define RCC_PLLSAICFGR  0x88u
#define RCC_DCKCFGR1    0x8Cu
#define RCC_DCKCFGR2    0x90u

#define RCC_CR_HSION        (1u << 0)
#define RCC_CR_HSIRDY       (1u << 1)
#define RCC_CR_HSITRIM_Pos  3u
#define RCC_CR_HSITRIM_Msk  (0x1Fu << 3)
#define RCC_CR_HSICAL_Pos   8u
#define RCC_CR_HSICAL_Msk   (0xFFu << 8)
#define RCC_CR_HSEON        (1u << 16)
#define RCC_CR_HSERDY       (1u << 17)
#define RCC_CR_HSEBYP       (1u << 18)
#define RCC_CR_CSSON        (1u << 19)
#define RCC_CR_PLLON        (1u << 24)
#define RCC_CR_PLLRDY       (1u << 25)
#define RCC_CR_PLLI2SON     (1u << 26)
#define RCC_CR_PLLI2SRDY    (1u << 27)
#define RCC_CR_PLLSAION     (1u << 28)
#define RCC_CR_PLLSAIRDY    (1u << 29)

#define RCC_PLLCFGR_PLLM_Pos   0u
#define RCC_PLLCFGR_PLLM_Msk   (0x3Fu << 0)
#define RCC_PLLCFGR_PLLN_Pos   6u
#define RCC_PLLCFGR_PLLN_Msk   (0x1FFu << 6)
#define RCC_PLLCFGR_PLLP_Pos   16u
#define RCC_PLLCFGR_PLLP_Msk   (3u << 16)
#define RCC_PLLCFGR_PLLSRC     (1u << 22)
#define RCC_PLLCFGR_PLLQ_Pos   24u
#define RCC_PLLCFGR_PLLQ_Msk   (0xFu << 24)

#define RCC_CFGR_SW_Pos     0u
#define RCC_CFGR_SW_Msk     (3u << 0)
#define RCC_CFGR_SWS_Pos    2u
#define RCC_CFGR_SWS_Msk    (3u << 2)
#define RCC_CFGR_HPRE_Pos   4u
#define RCC_CFGR_HPRE_Msk   (0xFu << 4)
#define RCC_CFGR_PPRE1_Pos  10u
#define RCC_CFGR_PPRE1_Msk  (7u << 10)
#define RCC_CFGR_PPRE2_Pos  13u
#define RCC_CFGR_PPRE2_Msk  (7u << 13)
#define RCC_SW_HSI  0u
#define RCC_SW_HSE  1u
#define RCC_SW_PLL  2u

#define RCC_AHB1ENR_GPIOAEN   (1u << 0)
#define RCC_AHB1ENR_GPIOBEN   (1u << 1)
#define RCC_AHB1ENR_GPIODEN   (1u << 3)
#define RCC_AHB1ENR_GPIOEEN   (1u << 4)
#define RCC_AHB1ENR_DTCMRAMEN (1u << 20)
#define RCC_AHB3ENR_QSPIEN    (1u << 1)
#define RCC_AHB3RSTR_QSPIRST  (1u << 1)
#define RCC_APB1ENR_PWREN     (1u << 28)
#define RCC_APB2ENR_USART1EN  (1u << 4)
#define RCC_APB2RSTR_USART1RST (1u << 4)
#define RCC_APB2ENR_SYSCFGEN  (1u << 14)

#define RCC_DCKCFGR2_USART1SEL_Pos 0u
#define RCC_DCKCFGR2_USART1SEL_Msk (3u << 0)

#define RCC_CFGR_I2SSRC              (1u << 23)
#define RCC_CFGR_MCO1_Pos            21u
#define RCC_CFGR_MCO1_Msk            (0x3u << 21)
#define RCC_CFGR_MCO1PRE_Pos         24u
#define RCC_CFGR_MCO1PRE_Msk         (0x7u << 24)
#define RCC_CFGR_MCO2_Pos            30u
#define RCC_CFGR_MCO2_Msk            (0x3u << 30)
#define RCC_CFGR_MCO2PRE_Pos         27u
#define RCC_CFGR_MCO2PRE_Msk         (0x7u << 27)
#define RCC_CFGR_RTCPRE_Pos          16u
#define RCC_CFGR_RTCPRE_Msk          (0x1Fu << 16)
#define RCC_DCKCFGR2_CECSEL          (1u << 26)
#define RCC_DCKCFGR2_CK48MSEL        (1u << 27)
#define RCC_DCKCFGR2_I2C1SEL_Pos     16u
#define RCC_DCKCFGR2_I2C1SEL_Msk     (0x3u << 16)
#define RCC_DCKCFGR2_I2C2SEL_Pos     18u
#define RCC_DCKCFGR2_I2C2SEL_Msk     (0x3u << 18)
#define RCC_DCKCFGR2_I2C3SEL_Pos     20u
#define RCC_DCKCFGR2_I2C3SEL_Msk     (0x3u << 20)
#define RCC_DCKCFGR2_I2C4SEL_Pos     22u
#define RCC_DCKCFGR2_I2C4SEL_Msk     (0x3u << 22)
#define RCC_DCKCFGR2_LPTIM1SEL_Pos   24u
#define RCC_DCKCFGR2_LPTIM1SEL_Msk   (0x3u << 24)
#define RCC_DCKCFGR2_SDMMC1SEL       (1u << 28)
#define RCC_DCKCFGR2_UART4SEL_Pos    6u
#define RCC_DCKCFGR2_UART4SEL_Msk    (0x3u << 6)
#define RCC_DCKCFGR2_UART5SEL_Pos    8u
#define RCC_DCKCFGR2_UART5SEL_Msk    (0x3u << 8)
#define RCC_DCKCFGR2_UART7SEL_Pos    12u
#define RCC_DCKCFGR2_UART7SEL_Msk    (0x3u << 12)
#define RCC_DCKCFGR2_UART8SEL_Pos    14u
#define RCC_DCKCFGR2_UART8SEL_Msk    (0x3u << 14)
#define RCC_DCKCFGR2_USART2SEL_Pos   2u
#define RCC_DCKCFGR2_USART2SEL_Msk   (0x3u << 2)
#define RCC_DCKCFGR2_USART3SEL_Pos   4u
#define RCC_DCKCFGR2_USART3SEL_Msk   (0x3u << 4)
#define RCC_DCKCFGR2_USART6SEL_Pos   10u
#define RCC_DCKCFGR2_USART6SEL_Msk   (0x3u << 10)
#define RCC_PLLCFGR_RES29            (1u << 29)   /* reserved, resets to 1 (RM0385 §5.3.2) */

#endif
