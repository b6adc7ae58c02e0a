/* STM32H735 instance base addresses and memory map (RM0468, memory map and register boundary addresses). */
#ifndef STM32H735_H
#define STM32H735_H

#define FLASH_MEM_BASE      0x08000000u
#define FLASH_MEM_SIZE      0x00100000u
#define SYSMEM_BASE         0x1FF00000u
#define UID_BASE            0x1FF1E800u
#define FLASHSIZE_BASE      0x1FF1E880u
#define ITCM_BASE           0x00000000u
#define DTCM_BASE           0x20000000u
#define AXISRAM_BASE        0x24000000u
#define AXISRAM_SIZE        0x00050000u
#define SRAM1_BASE          0x30000000u
#define SRAM2_BASE          0x30004000u
#define SRAM4_BASE          0x38000000u
#define BKPSRAM_BASE        0x38800000u
#define OCTOSPI2_MEM_BASE   0x70000000u
#define OCTOSPI1_MEM_BASE   0x90000000u

#define USART3_BASE         0x40004800u
#define USART1_BASE         0x40011000u
#define DMA1_BASE           0x40020000u
#define DMA2_BASE           0x40020400u
#define DMAMUX1_BASE        0x40020800u
#define HASH_BASE           0x48021400u   /* AHB2 (D2); H733/H735/H730 only */
#define FLASH_R_BASE        0x52002000u
#define FMC_R_BASE          0x52004000u
#define OCTOSPI1_R_BASE     0x52005000u
#define DLYB_OCTOSPI1_BASE  0x52006000u
#define OCTOSPI2_R_BASE     0x5200A000u
#define DLYB_OCTOSPI2_BASE  0x5200B000u
#define OCTOSPIM_BASE       0x5200B400u
#define SYSCFG_BASE         0x58000400u
#define GPIOA_BASE          0x58020000u
#define GPIO_PORT_STRIDE    0x400u
#define GPIO_BASE(port)     (GPIOA_BASE + (port) * GPIO_PORT_STRIDE)  /* A=0 ... H=7, J=9, K=10 */
#define RCC_BASE            0x58024400u
#define PWR_BASE            0x58024800u
#define CRC_BASE            0x58024C00u   /* AHB4 (D3) */
#define DBGMCU_BASE         0x5C001000u

#endif
