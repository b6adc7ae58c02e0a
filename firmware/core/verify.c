/* Release bootloader: MCUboot image verification (see verify.h). Every length read from the image is
 * checked against the slot before it is used; records are parsed byte-wise (imgtool does not align them). */
#include <string.h>
#include "verify.h"
#include "flashdev.h"
#include "le.h"
#include "port.h"
#include "sha256.h"
#include "ed25519.h"

#define IMAGE_MAGIC 0x96f3b83du
#define TLV_INFO 0x6907u
#define TLV_PROT_INFO 0x6908u
#define TLV_KEYHASH 0x01u
#define TLV_SHA256 0x10u
#define TLV_ED25519 0x24u
#define TLV_SEC_CNT 0x50u

#ifndef VB_VERSION
#error "VB_VERSION (major << 24 | minor << 16 | revision) comes from firmware/release.py"
#endif

static struct proto_boot_status last = { 1, BOOT_NO_IMAGE, 0, 0, 0, 0, 0, VB_VERSION, {0} };

__attribute__((weak)) void port_sha256(const void *data, uint32_t len, uint8_t out[32])
{
    sha256(data, len, out);
}

static int fail(struct proto_boot_status *st, int reason, uint32_t addr, uint32_t have, uint32_t want)
{
    st->reason = (uint8_t)reason;
    st->addr = addr;
    st->have = have;
    st->want = want;
    return reason;
}

/* A range the CPU can read (a memory-mapped device of the board). */
static int readable(uint32_t addr, uint32_t len)
{
    unsigned n;
    const struct flashdev *const *m = port_mems(&n);
    for (unsigned i = 0; i < n; i++)
        if (addr >= m[i]->base && addr - m[i]->base < m[i]->size && len <= m[i]->size - (addr - m[i]->base))
            return 1;
    return 0;
}

struct parsed { uint32_t img_size, hashed, version, counter, end; };

/* The KEYHASH record names our key: SHA-256 of its SubjectPublicKeyInfo (RFC 8410). */
static int key_is_ours(const uint8_t *keyhash)
{
    static const uint8_t spki[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    sha256_ctx c;
    uint8_t ours[32];
    sha256_init(&c);
    sha256_update(&c, spki, sizeof spki);
    sha256_update(&c, vb_public_key, 32);
    sha256_final(&c, ours);
    return keyhash && memcmp(keyhash, ours, 32) == 0;
}

/* The protected NOR-range records in [p + 4, hashed) of the image at s (slot [base, base + size)): each
 * range readable, outside the slot, and hashing to its recorded SHA-256. BOOT_VERIFIED or why not. */
static int nor_ranges_ok(const uint8_t *s, uint32_t size, uint32_t p, uint32_t hashed, struct proto_boot_status *st)
{
    uint32_t base = (uint32_t)(uintptr_t)s;
    uint8_t digest[32];
    for (uint32_t q = p + 4u; q < hashed; q += 4u + rd16(s + q + 2)) {
        if (rd16(s + q) != VB_TLV_NOR_RANGE) continue;
        if (rd16(s + q + 2) != 40u) return fail(st, BOOT_BAD_TLV, base + q, 0, 0);
        uint32_t a = rd32(s + q + 4), n = rd32(s + q + 8);
        if (!readable(a, n) || (a < base + size && base < a + n)) return fail(st, BOOT_BAD_RANGE, a, n, 0);
        port_sha256((const void *)(uintptr_t)a, n, digest);
        if (memcmp(digest, s + q + 12, 32) != 0) return fail(st, BOOT_NOR_ALTERED, a, n, 0);
    }
    return BOOT_VERIFIED;
}

/* The checks in MCUboot's order: magic, sizes, TLV layout, hash, key, signature, external ranges,
 * counter. `ranges`: check external ranges (an application); `*out` on BOOT_VERIFIED. */
static int check(const uint8_t *s, uint32_t size, uint32_t min_cnt, int ranges, struct parsed *out,
                 struct proto_boot_status *st)
{
    uint32_t base = (uint32_t)(uintptr_t)s;
    if (size < VB_HDR_SIZE || rd32(s) != IMAGE_MAGIC) return fail(st, BOOT_NO_IMAGE, base, 0, 0);
    uint32_t hdr = rd16(s + 8), prot = rd16(s + 10), img = rd32(s + 12), flags = rd32(s + 16);
    if (hdr != VB_HDR_SIZE || flags != 0 || img > size - hdr || img < 8u)
        return fail(st, BOOT_BAD_HEADER, base, hdr, img);
    uint32_t p = hdr + img, end;
    if (prot) {
        if (size - p < 4u || rd16(s + p) != TLV_PROT_INFO || rd16(s + p + 2) != prot || prot < 4u ||
            prot > size - p)
            return fail(st, BOOT_BAD_TLV, base + p, 0, 0);
    }
    uint32_t hashed = p + prot;
    if (size - hashed < 4u || rd16(s + hashed) != TLV_INFO) return fail(st, BOOT_BAD_TLV, base + hashed, 0, 0);
    uint32_t utot = rd16(s + hashed + 2);
    if (utot < 4u || utot > size - hashed) return fail(st, BOOT_BAD_TLV, base + hashed, utot, 0);
    end = hashed + utot;
    /* Walk both areas once: every record inside its area. */
    const uint8_t *sha = 0, *keyhash = 0, *sig = 0;
    uint32_t counter = 0;
    for (int area = 0; area < 2; area++) {
        uint32_t q = area ? hashed + 4u : p + 4u, stop = area ? end : hashed;
        if (!area && !prot) continue;
        while (q < stop) {
            if (stop - q < 4u) return fail(st, BOOT_BAD_TLV, base + q, 0, 0);
            uint32_t t = rd16(s + q), n = rd16(s + q + 2);
            if (n > stop - q - 4u) return fail(st, BOOT_BAD_TLV, base + q, t, n);
            const uint8_t *v = s + q + 4u;
            if (area == 0 && t == TLV_SEC_CNT && n == 4u) counter = rd32(v);
            if (area == 1 && t == TLV_SHA256 && n == 32u) sha = v;
            if (area == 1 && t == TLV_KEYHASH && n == 32u) keyhash = v;
            if (area == 1 && t == TLV_ED25519 && n == 64u) sig = v;
            q += 4u + n;
        }
    }
    uint8_t digest[32];
    port_sha256(s, hashed, digest);
    if (!sha || memcmp(sha, digest, 32) != 0) return fail(st, BOOT_BAD_HASH, base, 0, 0);
    if (!key_is_ours(keyhash)) return fail(st, BOOT_UNKNOWN_KEY, base, 0, 0);   /* names the key */
    if (!sig || ed25519_verify(sig, vb_public_key, digest, 32) != ED25519_OK)
        return fail(st, BOOT_BAD_SIGNATURE, base, 0, 0);
    if (ranges && prot) {   /* the signature covers these records: now their contents */
        int r = nor_ranges_ok(s, size, p, hashed, st);
        if (r != BOOT_VERIFIED) return r;
    }
    if (counter < min_cnt) return fail(st, BOOT_ROLLBACK, base, min_cnt, counter);
    out->img_size = img;
    out->hashed = hashed;
    out->version = (uint32_t)s[20] << 24 | (uint32_t)s[21] << 16 | rd16(s + 22);
    out->counter = counter;
    out->end = end;
    return fail(st, BOOT_VERIFIED, base, 0, counter);
}

int vb_boot_ok(uint32_t slot, uint32_t size)
{
    struct parsed im;
    uint32_t have = port_seccnt_get();
    memcpy(last.key, vb_public_key, 32);
    int r = check((const uint8_t *)(uintptr_t)slot, size, have, 1, &im, &last);
    if (r == BOOT_VERIFIED) {
        const uint8_t *v = (const uint8_t *)(uintptr_t)(slot + VB_HDR_SIZE);
        uint32_t msp = rd32(v), pc = rd32(v + 4);
        if (!(pc & 1u) || (pc & ~1u) < slot + VB_HDR_SIZE + 8u || (pc & ~1u) >= slot + VB_HDR_SIZE + im.img_size ||
            (msp & 3u) || msp == 0)
            r = fail(&last, BOOT_BAD_VECTORS, slot + VB_HDR_SIZE, msp, pc);
    }
    if (r == BOOT_VERIFIED && im.counter > have)
        (void)port_seccnt_raise(im.counter);   /* only now: a newer image has verified */
    last.counter = port_seccnt_get();
    return r == BOOT_VERIFIED;
}

void vb_status(struct proto_boot_status *out)
{
    last.release = 1;
    last.version = VB_VERSION;
    last.counter = port_seccnt_get();
    memcpy(last.key, vb_public_key, 32);
    memcpy(out, &last, sizeof last);
}

int vb_release(void) { return 1; }

int vb_check_update(uint8_t *stage, uint32_t *len, uint32_t stage_size)
{
    struct parsed im;
    struct proto_boot_status st;
    memset(&st, 0, sizeof st);
    int r = check(stage, *len, 0, 0, &im, &st);
    if (r != BOOT_VERIFIED) return r;
    if (im.version < VB_VERSION) return BOOT_OLDER_VERSION;
    memmove(stage, stage + VB_HDR_SIZE, im.img_size);   /* the bootloader itself, linked at sector start */
    memset(stage + im.img_size, 0xFF, stage_size - im.img_size);
    *len = im.img_size;
    return port_keep_for_update(stage, len, stage_size) == 0 ? BOOT_VERIFIED : BOOT_BAD_HEADER;
}
