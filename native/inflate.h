/* Raw DEFLATE decoder (RFC 1951: stored, fixed-Huffman and dynamic-Huffman blocks), one self-contained
 * stream at a time into a caller's buffer.
 *
 * Bounded: the whole state is `struct inflater` (no malloc, no recursion, a fixed stack frame); the
 * window is the output buffer itself, so a stream can only refer back to bytes it produced (a
 * compressed WRITE frame of the bootloader decompresses on its own: a lost or resent frame never
 * corrupts another). Strict: every malformed, truncated or oversized input returns a negative
 * INFL_E_* code; nothing is read past `in + in_len` or written past `out + out_cap`.
 * Shared by host (cffi: native/ffi_inflate.py) and firmware (firmware/core/zwrite.c).
 */
#ifndef NATIVE_INFLATE_H
#define NATIVE_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#define INFL_OK           0
#define INFL_E_TRUNCATED  (-1)  /* the input ended before the final block did */
#define INFL_E_BLOCK_TYPE (-2)  /* block type 3 (reserved, RFC 1951 §3.2.3) */
#define INFL_E_STORED_LEN (-3)  /* stored block: NLEN is not the complement of LEN (§3.2.4) */
#define INFL_E_TABLE      (-4)  /* dynamic block: impossible counts or code lengths (§3.2.7) */
#define INFL_E_CODE       (-5)  /* a bit pattern that is no code, or symbol 286/287, distance 30/31 */
#define INFL_E_DISTANCE   (-6)  /* a back-reference before the start of the output */
#define INFL_E_OUTPUT     (-7)  /* the output would exceed out_cap */
#define INFL_E_TRAILING   (-8)  /* whole bytes left after the final block */

#define INFL_MAX_BITS 15        /* longest code (§3.2.2) */
#define INFL_NLIT     288       /* literal/length alphabet incl. the two unused symbols (§3.2.6) */
#define INFL_NDIST    32        /* distance alphabet incl. the two unused symbols */

/* One canonical Huffman code: how many codes of each length, and the symbols in code order. */
struct infl_code {
    uint16_t count[INFL_MAX_BITS + 1];
    uint16_t symbol[INFL_NLIT];
};

struct inflater {
    /* Set by the caller, kept across calls (NULL: none): called every few symbols and output bytes,
     * at most a couple of thousand instructions apart, so a receiver without a FIFO (the bootloader
     * polling its UART) never misses a byte while a frame decodes. */
    void (*poll)(void);
    unsigned steps;
    size_t polled;
    const uint8_t *in;
    size_t in_len, in_pos;
    uint32_t bitbuf;            /* bits not yet consumed, LSB first; fewer than 8 between operations */
    unsigned bitcnt;
    uint8_t *out;
    size_t out_cap, out_len;
    struct infl_code lit, dist;
    int fixed_ready;            /* lit and dist hold the fixed codes (§3.2.6) */
    uint8_t lens[INFL_NLIT + INFL_NDIST];
};

/* Decode the raw DEFLATE stream in[0..in_len) into out[0..out_cap). On INFL_OK *out_len is the
 * decoded size; on error it is what had been decoded so far (not to be used). */
int inflate_raw(struct inflater *s, const void *in, size_t in_len, void *out, size_t out_cap, size_t *out_len);

#endif
