/* Cortex-M7 system control space: SysTick, NVIC, SCB (faults, caches, FPU access), DWT, debug control
 * (PM0253, system control block; ARMv7-M ARM). Each block has its own base; offsets are from that base. */
#ifndef SCB_REGS_H
#define SCB_REGS_H

#define SCS_BASE      0xE000E000u
#define SCNSCB_BASE   0xE000E000u
#define SYST_BASE     0xE000E010u
#define NVIC_BASE     0xE000E100u
#define SCB_BASE      0xE000ED00u
#define DWT_BASE      0xE0001000u

/* SCnSCB (from SCS_BASE) */
#define SCNSCB_ICTR   0x004u
#define SCNSCB_ACTLR  0x008u

/* SysTick (from SYST_BASE) */
#define SYST_CSR      0x00u
#define SYST_RVR      0x04u
#define SYST_CVR      0x08u
#define SYST_CALIB    0x0Cu
#define SYST_CSR_ENABLE     (1u << 0)
#define SYST_CSR_TICKINT    (1u << 1)
#define SYST_CSR_CLKSOURCE  (1u << 2)   /* 1 = processor clock, 0 = HCLK/8 on STM32 */
#define SYST_CSR_COUNTFLAG  (1u << 16)
#define SYST_CVR_CURRENT_Pos 0u
#define SYST_CVR_CURRENT_Msk (0xFFFFFFu << SYST_CVR_CURRENT_Pos)
#define SYST_RVR_RELOAD_Pos 0u
#define SYST_RVR_RELOAD_Msk (0xFFFFFFu << SYST_RVR_RELOAD_Pos)

/* NVIC (from NVIC_BASE): 8 words each */
#define NVIC_ISER     0x000u
#define NVIC_ICER     0x080u
#define NVIC_ISPR     0x100u
#define NVIC_ICPR     0x180u
#define NVIC_IABR     0x200u
#define NVIC_IPR      0x300u
/* One macro per word, as the simulator's NVIC model declares them (ISERn covers IRQ 32n..32n+31;
 * IPRn holds the priorities of IRQ 4n..4n+3; 163 IRQs on the H735). */
#define NVIC_ISER0  0x000u
#define NVIC_ISER1  0x004u
#define NVIC_ISER2  0x008u
#define NVIC_ISER3  0x00Cu
#define NVIC_ISER4  0x010u
#define NVIC_ISER5  0x014u
#define NVIC_ISER6  0x018u
#define NVIC_ISER7  0x01Cu
#define NVIC_ICER0  0x080u
#define NVIC_ICER1  0x084u
#define NVIC_ICER2  0x088u
#define NVIC_ICER3  0x08Cu
#define NVIC_ICER4  0x090u
#define NVIC_ICER5  0x094u
#define NVIC_ICER6  0x098u
#define NVIC_ICER7  0x09Cu
#define NVIC_ISPR0  0x100u
#define NVIC_ISPR1  0x104u
#define NVIC_ISPR2  0x108u
#define NVIC_ISPR3  0x10Cu
#define NVIC_ISPR4  0x110u
#define NVIC_ISPR5  0x114u
#define NVIC_ISPR6  0x118u
#define NVIC_ISPR7  0x11Cu
#define NVIC_ICPR0  0x180u
#define NVIC_ICPR1  0x184u
#define NVIC_ICPR2  0x188u
#define NVIC_ICPR3  0x18Cu
#define NVIC_ICPR4  0x190u
#define NVIC_ICPR5  0x194u
#define NVIC_ICPR6  0x198u
#define NVIC_ICPR7  0x19Cu
#define NVIC_IABR0  0x200u
#define NVIC_IABR1  0x204u
#define NVIC_IABR2  0x208u
#define NVIC_IABR3  0x20Cu
#define NVIC_IABR4  0x210u
#define NVIC_IABR5  0x214u
#define NVIC_IABR6  0x218u
#define NVIC_IABR7  0x21Cu
#define NVIC_IPR0   0x300u
#define NVIC_IPR1   0x304u
#define NVIC_IPR2   0x308u
#define NVIC_IPR3   0x30Cu
#define NVIC_IPR4   0x310u
#define NVIC_IPR5   0x314u
#define NVIC_IPR6   0x318u
#define NVIC_IPR7   0x31Cu
#define NVIC_IPR8   0x320u
#define NVIC_IPR9   0x324u
#define NVIC_IPR10  0x328u
#define NVIC_IPR11  0x32Cu
#define NVIC_IPR12  0x330u
#define NVIC_IPR13  0x334u
#define NVIC_IPR14  0x338u
#define NVIC_IPR15  0x33Cu
#define NVIC_IPR16  0x340u
#define NVIC_IPR17  0x344u
#define NVIC_IPR18  0x348u
#define NVIC_IPR19  0x34Cu
#define NVIC_IPR20  0x350u
#define NVIC_IPR21  0x354u
#define NVIC_IPR22  0x358u
#define NVIC_IPR23  0x35Cu
#define NVIC_IPR24  0x360u
#define NVIC_IPR25  0x364u
#define NVIC_IPR26  0x368u
#define NVIC_IPR27  0x36Cu
#define NVIC_IPR28  0x370u
#define NVIC_IPR29  0x374u
#define NVIC_IPR30  0x378u
#define NVIC_IPR31  0x37Cu
#define NVIC_IPR32  0x380u
#define NVIC_IPR33  0x384u
#define NVIC_IPR34  0x388u
#define NVIC_IPR35  0x38Cu
#define NVIC_IPR36  0x390u
#define NVIC_IPR37  0x394u
#define NVIC_IPR38  0x398u
#define NVIC_IPR39  0x39Cu
#define NVIC_IPR40  0x3A0u

/* SCB (from SCB_BASE) */
#define SCB_CPUID     0x00u
#define SCB_ICSR      0x04u
#define SCB_VTOR      0x08u
#define SCB_AIRCR     0x0Cu
#define SCB_SCR       0x10u
#define SCB_CCR       0x14u
#define SCB_SHPR1     0x18u
#define SCB_SHPR2     0x1Cu
#define SCB_SHPR3     0x20u
#define SCB_SHCSR     0x24u
#define SCB_CFSR      0x28u
#define SCB_HFSR      0x2Cu
#define SCB_DFSR      0x30u
#define SCB_MMFAR     0x34u
#define SCB_BFAR      0x38u
#define SCB_AFSR      0x3Cu
#define SCB_CLIDR     0x78u
#define SCB_CTR       0x7Cu
#define SCB_CCSIDR    0x80u
#define SCB_CSSELR    0x84u
#define SCB_CPACR     0x88u
#define SCB_DHCSR     0xF0u
#define SCB_DCRSR     0xF4u
#define SCB_DCRDR     0xF8u
#define SCB_DEMCR     0xFCu
#define SCB_STIR      0x200u
#define SCB_FPCCR     0x234u
#define SCB_FPCAR     0x238u
#define SCB_FPDSCR    0x23Cu
#define SCB_ICIALLU   0x250u
#define SCB_ICIMVAU   0x258u
#define SCB_DCIMVAC   0x25Cu
#define SCB_DCISW     0x260u
#define SCB_DCCMVAU   0x264u
#define SCB_DCCMVAC   0x268u
#define SCB_DCCSW     0x26Cu
#define SCB_DCCIMVAC  0x270u
#define SCB_DCCISW    0x274u
#define SCB_ITCMCR    0x290u
#define SCB_DTCMCR    0x294u
#define SCB_AHBPCR    0x298u
#define SCB_CACR      0x29Cu
#define SCB_AHBSCR    0x2A0u
#define SCB_ABFSR     0x2A8u

#define SCB_CPUID_CORTEX_M7_R1P2 0x411FC272u

#define SCB_VTOR_TBLOFF_Pos 7u
#define SCB_VTOR_TBLOFF_Msk (0x1FFFFFFu << SCB_VTOR_TBLOFF_Pos)

#define SCB_ICSR_VECTACTIVE_Pos 0u
#define SCB_ICSR_VECTACTIVE_Msk (0x1FFu << SCB_ICSR_VECTACTIVE_Pos)
#define SCB_ICSR_PENDSTCLR  (1u << 25)
#define SCB_ICSR_PENDSTSET  (1u << 26)
#define SCB_ICSR_PENDSVCLR  (1u << 27)
#define SCB_ICSR_PENDSVSET  (1u << 28)

#define SCB_AIRCR_VECTKEY       0x05FA0000u  /* must accompany every write */
#define SCB_AIRCR_VECTKEY_Pos   16u
#define SCB_AIRCR_VECTKEY_Msk   (0xFFFFu << SCB_AIRCR_VECTKEY_Pos)
#define SCB_AIRCR_VECTCLRACTIVE (1u << 1)
#define SCB_AIRCR_SYSRESETREQ   (1u << 2)
#define SCB_AIRCR_PRIGROUP_Pos  8u
#define SCB_AIRCR_PRIGROUP_Msk  (7u << SCB_AIRCR_PRIGROUP_Pos)

#define SCB_SCR_SLEEPONEXIT (1u << 1)
#define SCB_SCR_SLEEPDEEP   (1u << 2)
#define SCB_SCR_SEVONPEND   (1u << 4)

#define SCB_CCR_NONBASETHRDENA (1u << 0)
#define SCB_CCR_USERSETMPEND   (1u << 1)
#define SCB_CCR_UNALIGN_TRP (1u << 3)
#define SCB_CCR_DIV_0_TRP   (1u << 4)
#define SCB_CCR_BFHFNMIGN   (1u << 8)
#define SCB_CCR_STKALIGN    (1u << 9)
#define SCB_CCR_DC          (1u << 16)
#define SCB_CCR_IC          (1u << 17)
#define SCB_CCR_BP          (1u << 18)

#define SCB_SHCSR_MEMFAULTACT    (1u << 0)
#define SCB_SHCSR_BUSFAULTACT    (1u << 1)
#define SCB_SHCSR_USGFAULTACT    (1u << 3)
#define SCB_SHCSR_SVCALLACT      (1u << 7)
#define SCB_SHCSR_MONITORACT     (1u << 8)
#define SCB_SHCSR_PENDSVACT      (1u << 10)
#define SCB_SHCSR_SYSTICKACT     (1u << 11)
#define SCB_SHCSR_MEMFAULTENA    (1u << 16)
#define SCB_SHCSR_BUSFAULTENA    (1u << 17)
#define SCB_SHCSR_USGFAULTENA    (1u << 18)

/* CFSR = MMFSR[7:0] | BFSR[15:8] | UFSR[31:16], write 1 to clear */
#define SCB_CFSR_IACCVIOL    (1u << 0)
#define SCB_CFSR_DACCVIOL    (1u << 1)
#define SCB_CFSR_MUNSTKERR   (1u << 3)
#define SCB_CFSR_MSTKERR     (1u << 4)
#define SCB_CFSR_MLSPERR     (1u << 5)
#define SCB_CFSR_MMARVALID   (1u << 7)
#define SCB_CFSR_IBUSERR     (1u << 8)
#define SCB_CFSR_PRECISERR   (1u << 9)
#define SCB_CFSR_IMPRECISERR (1u << 10)
#define SCB_CFSR_UNSTKERR    (1u << 11)
#define SCB_CFSR_STKERR      (1u << 12)
#define SCB_CFSR_LSPERR      (1u << 13)
#define SCB_CFSR_BFARVALID   (1u << 15)
#define SCB_CFSR_UNDEFINSTR  (1u << 16)
#define SCB_CFSR_INVSTATE    (1u << 17)
#define SCB_CFSR_INVPC       (1u << 18)
#define SCB_CFSR_NOCP        (1u << 19)
#define SCB_CFSR_UNALIGNED   (1u << 24)
#define SCB_CFSR_DIVBYZERO   (1u << 25)

#define SCB_HFSR_VECTTBL     (1u << 1)
#define SCB_HFSR_FORCED      (1u << 30)
#define SCB_HFSR_DEBUGEVT    (1u << 31)

#define SCB_DFSR_HALTED      (1u << 0)
#define SCB_DFSR_BKPT        (1u << 1)
#define SCB_DFSR_DWTTRAP     (1u << 2)
#define SCB_DFSR_VCATCH      (1u << 3)
#define SCB_DFSR_EXTERNAL    (1u << 4)

#define SCB_ABFSR_ITCM       (1u << 0)
#define SCB_ABFSR_DTCM       (1u << 1)
#define SCB_ABFSR_AHBP       (1u << 2)
#define SCB_ABFSR_AXIM       (1u << 3)
#define SCB_ABFSR_EPPB       (1u << 4)
#define SCB_ABFSR_AXIMTYPE_Pos 8u
#define SCB_ABFSR_AXIMTYPE_Msk (3u << SCB_ABFSR_AXIMTYPE_Pos)

/* CPACR: CP10/CP11 full access = FPU on */
#define SCB_CPACR_CP10_Pos   20u
#define SCB_CPACR_CP10_Msk   (3u << SCB_CPACR_CP10_Pos)
#define SCB_CPACR_CP11_Pos   22u
#define SCB_CPACR_CP11_Msk   (3u << SCB_CPACR_CP11_Pos)

#define SCB_DHCSR_C_DEBUGEN  (1u << 0)
#define SCB_DHCSR_C_HALT     (1u << 1)
#define SCB_DHCSR_C_STEP     (1u << 2)
#define SCB_DHCSR_C_MASKINTS (1u << 3)
#define SCB_DHCSR_S_HALT     (1u << 17)
#define SCB_DHCSR_DBGKEY_Pos 16u   /* write 0xA05F here with any C_ bit change */
#define SCB_DHCSR_DBGKEY_Msk (0xFFFFu << SCB_DHCSR_DBGKEY_Pos)
#define SCB_DEMCR_VC_CORERESET (1u << 0)
#define SCB_DEMCR_VC_HARDERR (1u << 10)
#define SCB_DEMCR_MON_EN     (1u << 16)
#define SCB_DEMCR_TRCENA     (1u << 24)

#define SCB_FPCCR_LSPACT     (1u << 0)
#define SCB_FPCCR_LSPEN      (1u << 30)
#define SCB_FPCCR_ASPEN      (1u << 31)

#define SCB_CSSELR_IND       (1u << 0)   /* 0 data cache, 1 instruction cache */
#define SCB_CSSELR_LEVEL_Pos 1u
#define SCB_CSSELR_LEVEL_Msk (7u << SCB_CSSELR_LEVEL_Pos)
#define SCB_CCSIDR_LINESIZE_Pos      0u
#define SCB_CCSIDR_LINESIZE_Msk      (7u << SCB_CCSIDR_LINESIZE_Pos)
#define SCB_CCSIDR_ASSOCIATIVITY_Pos 3u
#define SCB_CCSIDR_ASSOCIATIVITY_Msk (0x3FFu << SCB_CCSIDR_ASSOCIATIVITY_Pos)
#define SCB_CCSIDR_NUMSETS_Pos       13u
#define SCB_CCSIDR_NUMSETS_Msk       (0x7FFFu << SCB_CCSIDR_NUMSETS_Pos)

/* DWT (from DWT_BASE); DEMCR.TRCENA must be set first */
#define DWT_CTRL      0x000u
#define DWT_CYCCNT    0x004u
#define DWT_LAR       0xFB0u
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_CTRL_NUMCOMP_Pos 28u
#define DWT_CTRL_NUMCOMP_Msk (0xFu << DWT_CTRL_NUMCOMP_Pos)
#define DWT_LAR_KEY   0xC5ACCE55u

#endif
