#ifndef SOC_TEST_H
#define SOC_TEST_H
#include <stdint.h>

#include "console.h"   /* say, say_kv */
void scenario_flash(void);

#endif
