/* Raw DEFLATE decoder: see inflate.h. Section numbers are RFC 1951's. */
#include "inflate.h"

/* §3.2.5: base lengths and extra bits of length symbols 257..285, base distances and extra bits of
 * distance symbols 0..29. */
static const uint16_t LEN_BASE[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t LEN_EXTRA[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t DIST_BASE[30] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
    257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t DIST_EXTRA[30] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
/* §3.2.7: the order in which the code length code's lengths are sent. */
static const uint8_t CLEN_ORDER[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

#define POLL_STEPS 8u   /* symbols between two polls ... */
#define POLL_BYTES 32u   /* ... or output bytes (one match may copy 258) */

static void tick(struct inflater *s)
{
    if (s->poll && (++s->steps >= POLL_STEPS || s->out_len - s->polled >= POLL_BYTES)) {
        s->steps = 0;
        s->polled = s->out_len;
        s->poll();
    }
}

/* What build() found: a complete code, the one incomplete code §3.2.7 sanctions (a single code of
 * one bit), no code at all, or anything else incomplete. Over-subscribed lengths are an error. */
enum { CODE_COMPLETE, CODE_SINGLE, CODE_EMPTY, CODE_INCOMPLETE };

/* n (<= 16) bits, first bit in the LSB (§3.1.1). */
static int bits(struct inflater *s, unsigned n, uint32_t *v)
{
    while (s->bitcnt < n) {
        if (s->in_pos == s->in_len)
            return INFL_E_TRUNCATED;
        s->bitbuf |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
    *v = s->bitbuf & ((1u << n) - 1u);
    s->bitbuf >>= n;
    s->bitcnt -= n;
    return INFL_OK;
}

/* Canonical code (§3.2.2) from lengths: codes of one length are consecutive integers, and the codes
 * of length L+1 start where those of length L ended, shifted left once. symbol[] lists the symbols
 * in code order, so decode() needs only the counts. */
static int build(struct inflater *s, struct infl_code *c, const uint8_t *len, unsigned n)
{
    uint16_t next[INFL_MAX_BITS + 1];
    for (unsigned l = 0; l <= INFL_MAX_BITS; l++)
        c->count[l] = 0;
    for (unsigned i = 0; i < n; i++) {
        c->count[len[i]]++;
        if ((i & 63u) == 63u && s->poll) s->poll();   /* 288 symbols: two passes of thousands of cycles */
    }
    if (c->count[0] == n)
        return CODE_EMPTY;
    int left = 1;   /* codes still available at the current length */
    for (unsigned l = 1; l <= INFL_MAX_BITS; l++) {
        left = 2 * left - c->count[l];
        if (left < 0)
            return INFL_E_TABLE;
    }
    next[1] = 0;
    for (unsigned l = 1; l < INFL_MAX_BITS; l++)
        next[l + 1] = (uint16_t)(next[l] + c->count[l]);
    for (unsigned i = 0; i < n; i++) {
        if (len[i])
            c->symbol[next[len[i]]++] = (uint16_t)i;
        if ((i & 63u) == 63u && s->poll) s->poll();
    }
    if (left == 0)
        return CODE_COMPLETE;
    return c->count[1] == 1 && c->count[0] == n - 1 ? CODE_SINGLE : CODE_INCOMPLETE;
}

/* One symbol, read a bit at a time (Huffman codes are sent most significant bit first, §3.1.1). At
 * every length the codes of that length are first..first+count-1, so the code read so far either is
 * one of them or is at least first+count, i.e. a prefix of a longer code. */
static int decode(struct inflater *s, const struct infl_code *c, unsigned *sym)
{
    int code = 0, first = 0, index = 0;
    for (unsigned l = 1; l <= INFL_MAX_BITS; l++) {
        if (s->bitcnt == 0) {
            if (s->in_pos == s->in_len)
                return INFL_E_TRUNCATED;
            s->bitbuf = s->in[s->in_pos++];
            s->bitcnt = 8;
        }
        code |= (int)(s->bitbuf & 1u);
        s->bitbuf >>= 1;
        s->bitcnt--;
        int count = c->count[l];
        if (code - first < count) {
            *sym = c->symbol[index + code - first];
            return INFL_OK;
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return INFL_E_CODE;   /* an incomplete code's unused pattern */
}

/* Literals and <length, distance> pairs up to end-of-block (§3.2.5). */
static int codes(struct inflater *s)
{
    for (;;) {
        unsigned sym, dsym;
        uint32_t extra;
        tick(s);
        int err = decode(s, &s->lit, &sym);
        if (err) return err;
        if (sym < 256) {
            if (s->out_len == s->out_cap) return INFL_E_OUTPUT;
            s->out[s->out_len++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256) return INFL_OK;
        sym -= 257;
        if (sym >= 29) return INFL_E_CODE;   /* 286, 287: never in a valid stream */
        if ((err = bits(s, LEN_EXTRA[sym], &extra))) return err;
        size_t len = LEN_BASE[sym] + extra;
        if ((err = decode(s, &s->dist, &dsym))) return err;
        if (dsym >= 30) return INFL_E_CODE;
        if ((err = bits(s, DIST_EXTRA[dsym], &extra))) return err;
        size_t dist = DIST_BASE[dsym] + extra;
        if (dist > s->out_len) return INFL_E_DISTANCE;
        if (len > s->out_cap - s->out_len) return INFL_E_OUTPUT;
        uint8_t *o = s->out + s->out_len;
        for (size_t i = 0; i < len; i++)   /* forward, byte by byte: a copy may overlap itself */
            o[i] = o[i - dist];
        s->out_len += len;
    }
}

/* §3.2.4: from the next byte boundary, LEN, NLEN = ~LEN, then LEN bytes. */
static int stored(struct inflater *s)
{
    s->bitbuf = 0;   /* fewer than 8 bits are buffered: dropping them reaches the boundary */
    s->bitcnt = 0;
    if (s->in_len - s->in_pos < 4) return INFL_E_TRUNCATED;
    const uint8_t *p = s->in + s->in_pos;
    size_t len = (size_t)p[0] | (size_t)p[1] << 8, nlen = (size_t)p[2] | (size_t)p[3] << 8;
    s->in_pos += 4;
    if (len != (~nlen & 0xFFFFu)) return INFL_E_STORED_LEN;
    if (s->in_len - s->in_pos < len) return INFL_E_TRUNCATED;
    if (len > s->out_cap - s->out_len) return INFL_E_OUTPUT;
    while (len--) {
        s->out[s->out_len++] = s->in[s->in_pos++];
        if ((len & 255u) == 0 && s->poll) s->poll();
    }
    return INFL_OK;
}

/* §3.2.6: the fixed codes. All 288 / 32 symbols get lengths, so both codes are complete; the
 * symbols that never occur are refused by codes(). */
static int fixed(struct inflater *s)
{
    if (!s->fixed_ready) {   /* still there from the previous block: keep (a stream of tiny blocks) */
        unsigned i = 0;
        for (; i < 144; i++) s->lens[i] = 8;
        for (; i < 256; i++) s->lens[i] = 9;
        for (; i < 280; i++) s->lens[i] = 7;
        for (; i < INFL_NLIT; i++) s->lens[i] = 8;
        for (i = 0; i < INFL_NDIST; i++) s->lens[INFL_NLIT + i] = 5;
        (void)build(s, &s->lit, s->lens, INFL_NLIT);
        (void)build(s, &s->dist, s->lens + INFL_NLIT, INFL_NDIST);
        s->fixed_ready = 1;
    }
    return codes(s);
}

/* §3.2.7: the code length code, then the literal/length and distance code lengths with it. */
static int dynamic(struct inflater *s)
{
    uint32_t hlit, hdist, hclen, v;
    int err;
    s->fixed_ready = 0;   /* the tables are rebuilt below */
    if ((err = bits(s, 5, &hlit)) || (err = bits(s, 5, &hdist)) || (err = bits(s, 4, &hclen))) return err;
    unsigned nlen = 257 + hlit, ndist = 1 + hdist, ncode = 4 + hclen;
    if (nlen > 286 || ndist > 30) return INFL_E_TABLE;
    for (unsigned i = 0; i < 19; i++) s->lens[i] = 0;
    for (unsigned i = 0; i < ncode; i++) {
        if ((err = bits(s, 3, &v))) return err;
        s->lens[CLEN_ORDER[i]] = (uint8_t)v;
    }
    if (build(s, &s->lit, s->lens, 19) != CODE_COMPLETE) return INFL_E_TABLE;
    unsigned n = 0;
    while (n < nlen + ndist) {
        unsigned sym, rep;
        uint8_t len = 0;
        tick(s);
        if ((err = decode(s, &s->lit, &sym))) return err;
        if (sym < 16) {
            s->lens[n++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {                      /* the previous length, 3..6 times */
            if (n == 0) return INFL_E_TABLE;
            len = s->lens[n - 1];
            if ((err = bits(s, 2, &v))) return err;
            rep = 3 + v;
        } else if (sym == 17) {               /* zero, 3..10 times */
            if ((err = bits(s, 3, &v))) return err;
            rep = 3 + v;
        } else {                              /* zero, 11..138 times */
            if ((err = bits(s, 7, &v))) return err;
            rep = 11 + v;
        }
        if (rep > nlen + ndist - n) return INFL_E_TABLE;   /* repeats may cross into distances, not beyond */
        while (rep--) s->lens[n++] = len;
    }
    if (s->lens[256] == 0) return INFL_E_TABLE;   /* no end-of-block code: the block could never end */
    int lk = build(s, &s->lit, s->lens, nlen);
    if (lk != CODE_COMPLETE && lk != CODE_SINGLE) return INFL_E_TABLE;
    int dk = build(s, &s->dist, s->lens + nlen, ndist);
    if (dk != CODE_COMPLETE && dk != CODE_SINGLE && dk != CODE_EMPTY) return INFL_E_TABLE;
    return codes(s);
}

int inflate_raw(struct inflater *s, const void *in, size_t in_len, void *out, size_t out_cap, size_t *out_len)
{
    s->in = in;
    s->in_len = in_len;
    s->in_pos = 0;
    s->bitbuf = 0;
    s->bitcnt = 0;
    s->out = out;
    s->out_cap = out_cap;
    s->out_len = 0;
    s->steps = 0;
    s->polled = 0;
    s->fixed_ready = 0;
    int err;
    uint32_t last, type;
    do {
        if (s->poll) s->poll();   /* per block: a stream of empty blocks makes no symbols */
        if ((err = bits(s, 1, &last)) || (err = bits(s, 2, &type))) break;
        if (type == 0) err = stored(s);
        else if (type == 1) err = fixed(s);
        else if (type == 2) err = dynamic(s);
        else err = INFL_E_BLOCK_TYPE;
    } while (!err && !last);
    if (!err && s->in_pos != s->in_len)
        err = INFL_E_TRAILING;
    *out_len = s->out_len;
    return err;
}
