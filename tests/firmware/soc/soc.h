#ifndef SOC_TEST_H
#define SOC_TEST_H
#include <stdint.h>

void say(const char *s);
void say_kv(const char *key, uint32_t value);   /* "key=value\n", value in decimal */
void scenario_flash(void);

#endif
