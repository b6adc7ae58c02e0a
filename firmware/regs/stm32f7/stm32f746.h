/* STM32F746 instance base addresses and memory map (RM0385 §2.2.2 memory map, §2.3 embedded SRAM,
 * §3.3.1 flash organisation; STM32F746xx datasheet DS10916 §5 memory mapping). */
#ifndef STM32F746_H
#define STM32F746_H

#define ITCM_RAM_BASE       0x00000000u   /* 16 KB */
#define SYSMEM_ITCM_BASE    0x00100000u
#define FLASH_ITCM_BASE     0x00200000u   /* the same flash through the ITCM interface (read only) */
#define FLASH_MEM_BASE      0x08000000u   /* AXIM: read, program, erase */
#define FLASH_MEM_SIZE      0x00100000u
#define SYSMEM_BASE         0x1FF00000u
#define OTP_BASE            0x1FF0F000u
#define UID_BASE            0x1FF0F420u
#define FLASHSIZE_BASE      0x1FF0F442u
#define OPTBYTES_BASE       0x1FFF0000u
#define DTCM_BASE           0x20000000u   /* 64 KB */
#define SRAM1_BASE          0x20010000u   /* 240 KB */
#define SRAM2_BASE          0x2004C000u   /* 16 KB */
#define QSPI_MEM_BASE       0x90000000u

#define PWR_BASE            0x40007000u
#define USART1_BASE         0x40011000u
#define USART6_BASE         0x40011400u
#define GPIOA_BASE          0x40020000u
#define GPIO_PORT_STRIDE    0x400u
#define GPIO_BASE(port)     (GPIOA_BASE + (port) * GPIO_PORT_STRIDE)  /* A=0 ... K=10 */
#define RCC_BASE            0x40023800u
#define DMA1_BASE           0x40026000u
#define DMA2_BASE           0x40026400u
#define FLASH_R_BASE        0x40023C00u
#define QSPI_R_BASE         0xA0001000u
#define DBGMCU_BASE         0xE0042000u

#endif
