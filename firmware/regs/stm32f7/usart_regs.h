/* F7 USART (RM0385 §34.8 USART registers): the map of ../stm32/usart_common_regs.h, which the H7 family
 * extends with PRESC, a FIFO and REACK; the F7 adds nothing of its own that we use. */
#ifndef F7_USART_REGS_H
#define F7_USART_REGS_H

#include "../stm32/usart_common_regs.h"

#endif
