/* The seam between the portable bootloader core and a board (TinyUSB dcd.h style: free functions
 * resolved at link time). firmware/boards/<board>/ implements them on registers; firmware/core/host/
 * implements them in RAM so the same core runs inside the host's tests. Nothing here may block for long:
 * the core polls. */
#ifndef CORE_PORT_H
#define CORE_PORT_H

#include <stdint.h>
#include "flashdev.h"

/* Received bytes not yet consumed that lie contiguous in memory (a DMA ring's up to its end): their address,
 * *n their count (0: none has come; also after bytes were lost, which the frames' CRC then shows). They
 * stay in place until port_uart_consume(k) (k <= *n) takes the first k; the next call gives the rest. */
const uint8_t *port_uart_peek(uint32_t *n);
void port_uart_consume(uint32_t n);
/* Nothing arrived: a cheap pause. `want`: bytes the core needs before it has work again (0: any byte
 * counts), with PORT_WANT_BUSY when a device works meanwhile (its completion ends the pause; bytes may then
 * be looked at later, as long as the receiver never loses any); PORT_WANT_NONE: a device wait during which
 * no frame can be handled. See the STM32 boards' port_idle (drivers/stm32/uart_console.c). */
#define PORT_WANT_BUSY 0x80000000u
#define PORT_WANT_NONE 0xFFFFFFFFu
void port_idle(uint32_t want);
int port_uart_putc(uint8_t c);               /* 1: accepted; 0: transmitter busy, try again */
void port_uart_flush(void);                  /* returns when the last byte has left the wire */
uint32_t port_uart_set_baud(uint32_t baud);  /* switch rate: the rate reached, 0 if not within tolerance */
uint32_t port_uart_baud(void);               /* current rate */
uint32_t port_uart_max_baud(void);           /* fastest exact rate of this UART clock */
uint32_t port_millis(void);                  /* free-running milliseconds */
uint32_t port_chip_id(void);                 /* DBGMCU_IDCODE */
const char *port_board_name(void);
const struct flashdev *const *port_mems(unsigned *n);  /* the board's writable memories */
/* RAM for the data of queued background writes (devq.h); optional (the core's weak default: none). */
uint8_t *port_queue_buffer(uint32_t *size);
/* The frame receive buffers (frame.h): n of them, window n - 1 (protocol.h, windowing); optional (the
 * core's weak default: FRAME_POOL_DEFAULT in its own RAM). A board with RAM to spare gives more, so
 * the host can stream a NOR's whole erase block while the previous block erases. */
struct frame;
struct frame *port_frame_pool(unsigned *n);
/* CRC-32/MPEG-2 of n bytes at p continuing crc (native/crc32.h); optional (the core's weak default: the
 * table). A board with a CRC unit gives it here: the CRCs that compare and verify a NOR keep it from
 * erasing or programming, so their speed shows in the flashing time. */
uint32_t port_crc(uint32_t crc, const uint8_t *p, uint32_t n);
void port_reset(int run_app);                /* after the reply left: reset (run_app: start the app) */
uint8_t *port_stage(uint32_t *size);         /* RAM where a new bootloader is staged (NULL: no self-update) */
/* Check the staged image (len bytes) is a bootloader for this board: ST_OK or ST_BAD_IMAGE. */
int port_check_bootloader(const uint8_t *img, uint32_t len);
void port_update_bootloader(uint32_t len);   /* rewrite our own sector from the stage, verify, reset */
/* Where the application record lives (core/apprec.h): the device and the address of one whole sector
 * that lies outside every memory port_mems() advertises. NULL: this board cannot hold one. */
const struct flashdev *port_app_record(uint32_t *addr);

#endif
