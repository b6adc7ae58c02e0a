/* RCC, reset and clock control (RM0468, RCC chapter; SVD errors avoided, docs/hardware-notes.md:
 * AHB3ENR OSPI bits, D2CCIP2R USART28SEL, D1CCIPR OCTOSPISEL). Offsets from RCC_BASE. */
#ifndef H7_RCC_REGS_H
#define H7_RCC_REGS_H

#define RCC_CR          0x00u
#define RCC_HSICFGR     0x04u
#define RCC_CRRCR       0x08u
#define RCC_CSICFGR     0x0Cu
#define RCC_CFGR        0x10u
#define RCC_D1CFGR      0x18u
#define RCC_D2CFGR      0x1Cu
#define RCC_D3CFGR      0x20u
#define RCC_PLLCKSELR   0x28u
#define RCC_PLLCFGR     0x2Cu
#define RCC_PLL1DIVR    0x30u
#define RCC_PLL1FRACR   0x34u
#define RCC_PLL2DIVR    0x38u
#define RCC_PLL2FRACR   0x3Cu
#define RCC_PLL3DIVR    0x40u
#define RCC_PLL3FRACR   0x44u
#define RCC_D1CCIPR     0x4Cu
#define RCC_D2CCIP1R    0x50u
#define RCC_D2CCIP2R    0x54u
#define RCC_D3CCIPR     0x58u
#define RCC_CIER        0x60u
#define RCC_CIFR        0x64u
#define RCC_CICR        0x68u
#define RCC_BDCR        0x70u
#define RCC_CSR         0x74u
#define RCC_AHB3RSTR    0x7Cu
#define RCC_AHB1RSTR    0x80u
#define RCC_AHB2RSTR    0x84u
#define RCC_AHB4RSTR    0x88u
#define RCC_APB3RSTR    0x8Cu
#define RCC_APB1LRSTR   0x90u
#define RCC_APB1HRSTR   0x94u
#define RCC_APB2RSTR    0x98u
#define RCC_APB4RSTR    0x9Cu
#define RCC_GCR         0xA0u
#define RCC_D3AMR       0xA8u
#define RCC_RSR         0xD0u
#define RCC_AHB3ENR     0xD4u
#define RCC_AHB1ENR     0xD8u
#define RCC_AHB2ENR     0xDCu
#define RCC_AHB4ENR     0xE0u
#define RCC_APB3ENR     0xE4u
#define RCC_APB1LENR    0xE8u
#define RCC_APB1HENR    0xECu
#define RCC_APB2ENR     0xF0u
#define RCC_APB4ENR     0xF4u
#define RCC_AHB3LPENR   0xFCu
#define RCC_AHB1LPENR   0x100u
#define RCC_AHB2LPENR   0x104u
#define RCC_AHB4LPENR   0x108u
#define RCC_APB3LPENR   0x10Cu
#define RCC_APB1LLPENR  0x110u
#define RCC_APB1HLPENR  0x114u
#define RCC_APB2LPENR   0x118u
#define RCC_APB4LPENR   0x11Cu

/* CR */
#define RCC_CR_HSION        (1u << 0)
#define RCC_CR_HSIKERON     (1u << 1)
#define RCC_CR_HSIRDY       (1u << 2)
#define RCC_CR_HSIDIV_Pos   3u
#define RCC_CR_HSIDIV_Msk   (3u << RCC_CR_HSIDIV_Pos)
#define RCC_CR_HSIDIVF      (1u << 5)
#define RCC_CR_CSION        (1u << 7)
#define RCC_CR_CSIRDY       (1u << 8)
#define RCC_CR_CSIKERON     (1u << 9)
#define RCC_CR_HSI48ON      (1u << 12)
#define RCC_CR_HSI48RDY     (1u << 13)
#define RCC_CR_D1CKRDY      (1u << 14)
#define RCC_CR_D2CKRDY      (1u << 15)
#define RCC_CR_HSEON        (1u << 16)
#define RCC_CR_HSERDY       (1u << 17)
#define RCC_CR_HSEBYP       (1u << 18)
#define RCC_CR_CSSHSEON     (1u << 19)
#define RCC_CR_PLL1ON       (1u << 24)
#define RCC_CR_PLL1RDY      (1u << 25)
#define RCC_CR_PLL2ON       (1u << 26)
#define RCC_CR_PLL2RDY      (1u << 27)
#define RCC_CR_PLL3ON       (1u << 28)
#define RCC_CR_PLL3RDY      (1u << 29)

/* CFGR: SW/SWS encoding 0 HSI, 1 CSI, 2 HSE, 3 PLL1 */
#define RCC_CFGR_SW_Pos     0u
#define RCC_CFGR_SW_Msk     (7u << RCC_CFGR_SW_Pos)
#define RCC_CFGR_SWS_Pos    3u
#define RCC_CFGR_SWS_Msk    (7u << RCC_CFGR_SWS_Pos)
#define RCC_CFGR_STOPWUCK   (1u << 6)
#define RCC_CFGR_STOPKERWUCK (1u << 7)
#define RCC_CFGR_RTCPRE_Pos 8u
#define RCC_CFGR_RTCPRE_Msk (0x3Fu << RCC_CFGR_RTCPRE_Pos)
#define RCC_CFGR_TIMPRE     (1u << 15)
#define RCC_CFGR_MCO1PRE_Pos 18u
#define RCC_CFGR_MCO1PRE_Msk (0xFu << RCC_CFGR_MCO1PRE_Pos)
#define RCC_CFGR_MCO1SEL_Pos 22u
#define RCC_CFGR_MCO1SEL_Msk (7u << RCC_CFGR_MCO1SEL_Pos)
#define RCC_CFGR_MCO2PRE_Pos 25u
#define RCC_CFGR_MCO2PRE_Msk (0xFu << RCC_CFGR_MCO2PRE_Pos)
#define RCC_CFGR_MCO2SEL_Pos 29u
#define RCC_CFGR_MCO2SEL_Msk (7u << RCC_CFGR_MCO2SEL_Pos)
#define RCC_SW_HSI          0u
#define RCC_SW_CSI          1u
#define RCC_SW_HSE          2u
#define RCC_SW_PLL1         3u

/* D1CFGR: HPRE/D1CPRE 0xxx = /1, 1000 = /2 ... 1111 = /512; PPRE 0xx = /1, 100 = /2 ... 111 = /16 */
#define RCC_D1CFGR_HPRE_Pos    0u
#define RCC_D1CFGR_HPRE_Msk    (0xFu << RCC_D1CFGR_HPRE_Pos)
#define RCC_D1CFGR_D1PPRE_Pos  4u
#define RCC_D1CFGR_D1PPRE_Msk  (7u << RCC_D1CFGR_D1PPRE_Pos)
#define RCC_D1CFGR_D1CPRE_Pos  8u
#define RCC_D1CFGR_D1CPRE_Msk  (0xFu << RCC_D1CFGR_D1CPRE_Pos)
#define RCC_D2CFGR_D2PPRE1_Pos 4u
#define RCC_D2CFGR_D2PPRE1_Msk (7u << RCC_D2CFGR_D2PPRE1_Pos)
#define RCC_D2CFGR_D2PPRE2_Pos 8u
#define RCC_D2CFGR_D2PPRE2_Msk (7u << RCC_D2CFGR_D2PPRE2_Pos)
#define RCC_D3CFGR_D3PPRE_Pos  4u
#define RCC_D3CFGR_D3PPRE_Msk  (7u << RCC_D3CFGR_D3PPRE_Pos)
#define RCC_HPRE_DIV1          0u
#define RCC_HPRE_DIV2          8u
#define RCC_PPRE_DIV1          0u
#define RCC_PPRE_DIV2          4u

/* PLLCKSELR: PLLSRC 0 HSI, 1 CSI, 2 HSE, 3 none */
#define RCC_PLLCKSELR_PLLSRC_Pos 0u
#define RCC_PLLCKSELR_PLLSRC_Msk (3u << RCC_PLLCKSELR_PLLSRC_Pos)
#define RCC_PLLCKSELR_DIVM1_Pos  4u
#define RCC_PLLCKSELR_DIVM1_Msk  (0x3Fu << RCC_PLLCKSELR_DIVM1_Pos)
#define RCC_PLLCKSELR_DIVM2_Pos  12u
#define RCC_PLLCKSELR_DIVM2_Msk  (0x3Fu << RCC_PLLCKSELR_DIVM2_Pos)
#define RCC_PLLCKSELR_DIVM3_Pos  20u
#define RCC_PLLCKSELR_DIVM3_Msk  (0x3Fu << RCC_PLLCKSELR_DIVM3_Pos)
#define RCC_PLLSRC_HSI           0u
#define RCC_PLLSRC_CSI           1u
#define RCC_PLLSRC_HSE           2u

/* PLLCFGR: per PLL n (1..3) a 4-bit group at 4*(n-1): FRACEN, VCOSEL, RGE[1:0]; output enables. */
#define RCC_PLLCFGR_PLL1FRACEN   (1u << 0)
#define RCC_PLLCFGR_PLL1VCOSEL   (1u << 1)
#define RCC_PLLCFGR_PLL1RGE_Pos  2u
#define RCC_PLLCFGR_PLL1RGE_Msk  (3u << RCC_PLLCFGR_PLL1RGE_Pos)
#define RCC_PLLCFGR_PLL2FRACEN   (1u << 4)
#define RCC_PLLCFGR_PLL2VCOSEL   (1u << 5)
#define RCC_PLLCFGR_PLL2RGE_Pos  6u
#define RCC_PLLCFGR_PLL2RGE_Msk  (3u << RCC_PLLCFGR_PLL2RGE_Pos)
#define RCC_PLLCFGR_PLL3FRACEN   (1u << 8)
#define RCC_PLLCFGR_PLL3VCOSEL   (1u << 9)
#define RCC_PLLCFGR_PLL3RGE_Pos  10u
#define RCC_PLLCFGR_PLL3RGE_Msk  (3u << RCC_PLLCFGR_PLL3RGE_Pos)
#define RCC_PLLCFGR_DIVP1EN      (1u << 16)
#define RCC_PLLCFGR_DIVQ1EN      (1u << 17)
#define RCC_PLLCFGR_DIVR1EN      (1u << 18)
#define RCC_PLLCFGR_DIVP2EN      (1u << 19)
#define RCC_PLLCFGR_DIVQ2EN      (1u << 20)
#define RCC_PLLCFGR_DIVR2EN      (1u << 21)
#define RCC_PLLCFGR_DIVP3EN      (1u << 22)
#define RCC_PLLCFGR_DIVQ3EN      (1u << 23)
#define RCC_PLLCFGR_DIVR3EN      (1u << 24)
#define RCC_PLLRGE_1_2MHZ        0u
#define RCC_PLLRGE_2_4MHZ        1u
#define RCC_PLLRGE_4_8MHZ        2u
#define RCC_PLLRGE_8_16MHZ       3u

/* PLLxDIVR (same layout for PLL1..3): every field holds (value - 1) */
#define RCC_PLLDIVR_DIVN_Pos     0u
#define RCC_PLLDIVR_DIVN_Msk     (0x1FFu << RCC_PLLDIVR_DIVN_Pos)
#define RCC_PLLDIVR_DIVP_Pos     9u
#define RCC_PLLDIVR_DIVP_Msk     (0x7Fu << RCC_PLLDIVR_DIVP_Pos)
#define RCC_PLLDIVR_DIVQ_Pos     16u
#define RCC_PLLDIVR_DIVQ_Msk     (0x7Fu << RCC_PLLDIVR_DIVQ_Pos)
#define RCC_PLLDIVR_DIVR_Pos     24u
#define RCC_PLLDIVR_DIVR_Msk     (0x7Fu << RCC_PLLDIVR_DIVR_Pos)
/* PLLxFRACR: VCO = ref * (DIVN + 1 + FRACN / 8192) when PLLxFRACEN */
#define RCC_PLLFRACR_FRACN_Pos   3u
#define RCC_PLLFRACR_FRACN_Msk   (0x1FFFu << RCC_PLLFRACR_FRACN_Pos)

/* Kernel clock selections */
#define RCC_D1CCIPR_FMCSEL_Pos      0u
#define RCC_D1CCIPR_FMCSEL_Msk      (3u << RCC_D1CCIPR_FMCSEL_Pos)
#define RCC_D1CCIPR_OCTOSPISEL_Pos  4u
#define RCC_D1CCIPR_OCTOSPISEL_Msk  (3u << RCC_D1CCIPR_OCTOSPISEL_Pos)
#define RCC_D1CCIPR_SDMMCSEL        (1u << 16)
#define RCC_D1CCIPR_CKPERSEL_Pos    28u
#define RCC_D1CCIPR_CKPERSEL_Msk    (3u << RCC_D1CCIPR_CKPERSEL_Pos)
#define RCC_OCTOSPISEL_HCLK3        0u
#define RCC_OCTOSPISEL_PLL1Q        1u
#define RCC_OCTOSPISEL_PLL2R        2u
#define RCC_OCTOSPISEL_PER          3u
#define RCC_CKPERSEL_HSI            0u  /* per_ck source: 0 hsi_ker, 1 csi_ker, 2 hse [RM?] */
#define RCC_D2CCIP2R_USART28SEL_Pos    0u
#define RCC_D2CCIP2R_USART28SEL_Msk    (7u << RCC_D2CCIP2R_USART28SEL_Pos)
#define RCC_D2CCIP2R_USART16910SEL_Pos 3u
#define RCC_D2CCIP2R_USART16910SEL_Msk (7u << RCC_D2CCIP2R_USART16910SEL_Pos)
/* USART kernel sources [RM?]: 0 pclk, 1 pll2_q, 2 pll3_q, 3 hsi_ker, 4 csi_ker, 5 lse */
#define RCC_USARTSEL_PCLK           0u
#define RCC_USARTSEL_PLL2Q          1u
#define RCC_USARTSEL_PLL3Q          2u
#define RCC_USARTSEL_HSI            3u
#define RCC_USARTSEL_CSI            4u

/* Clock enables (no FLASH enable bit exists: the flash interface is always clocked, RM0468 RCC_AHB3ENR) */
#define RCC_AHB3ENR_MDMAEN      (1u << 0)
#define RCC_AHB3ENR_DMA2DEN     (1u << 4)
#define RCC_AHB3ENR_FMCEN       (1u << 12)
#define RCC_AHB3ENR_OSPI1EN     (1u << 14)
#define RCC_AHB3ENR_SDMMC1EN    (1u << 16)
#define RCC_AHB3ENR_OSPI2EN     (1u << 19)
#define RCC_AHB3ENR_IOMNGREN    (1u << 21)
#define RCC_AHB3ENR_OTFDEC1EN   (1u << 22)
#define RCC_AHB3ENR_OTFDEC2EN   (1u << 23)
#define RCC_AHB3RSTR_OSPI1RST   (1u << 14)
#define RCC_AHB3RSTR_OSPI2RST   (1u << 19)
#define RCC_AHB3RSTR_IOMNGRRST  (1u << 21)
#define RCC_AHB4ENR_GPIOAEN     (1u << 0)
#define RCC_AHB4ENR_GPIOBEN     (1u << 1)
#define RCC_AHB4ENR_GPIOCEN     (1u << 2)
#define RCC_AHB4ENR_GPIODEN     (1u << 3)
#define RCC_AHB4ENR_GPIOEEN     (1u << 4)
#define RCC_AHB4ENR_GPIOFEN     (1u << 5)
#define RCC_AHB4ENR_GPIOGEN     (1u << 6)
#define RCC_AHB4ENR_GPIOHEN     (1u << 7)
#define RCC_AHB4ENR_GPIOJEN     (1u << 9)
#define RCC_AHB4ENR_GPIOKEN     (1u << 10)
#define RCC_AHB4ENR_CRCEN       (1u << 19)
#define RCC_AHB4ENR_BDMAEN      (1u << 21)
#define RCC_AHB4ENR_HSEMEN      (1u << 25)
#define RCC_AHB4ENR_BKPRAMEN    (1u << 28)
#define RCC_APB1LENR_USART2EN   (1u << 17)
#define RCC_APB1LENR_USART3EN   (1u << 18)
#define RCC_APB1LENR_UART4EN    (1u << 19)
#define RCC_APB1LENR_UART5EN    (1u << 20)
#define RCC_APB1LENR_UART7EN    (1u << 30)
#define RCC_APB1LENR_UART8EN    (1u << 31)
#define RCC_APB2ENR_USART1EN    (1u << 4)   /* [RM?] */
#define RCC_APB4ENR_SYSCFGEN    (1u << 1)   /* [RM?] */

#endif
