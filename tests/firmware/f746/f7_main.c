/* F746 test firmware: reports key=value lines on USART1, then ends with BKPT (returns 0). */
#include "f7.h"

int main(void)
{
    int rc = console_init();
    say("f746 test firmware\n");
    say_kv("clock_ok", rc == 0);
    float x = 1.5f;                       /* a single-precision FPU instruction (FPv5-SP-D16) */
    volatile float y = x * 3.0f;
    say_kv("fpu", (uint32_t)(y * 2.0f));
    flash_tests();
    qspi_tests();
    say("done\n");
    console_flush();                      /* BKPT stops the simulated board: let the last frames out */
    return 0;
}
