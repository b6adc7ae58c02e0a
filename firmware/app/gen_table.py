"""Generate the demo's NOR table (C source, `demo_table[]` in section .nor_rodata): what an application
keeps in the external NOR of these boards (both have a 480x272 LCD), built here from fixed rules so the
banner's CRC is reproducible:

    offset    size    what
    0         1024    CLUT: 256 ARGB8888 colours for the splash (the DMA2D's L8 input format)
    1024      130560  splash screen: 480x272 8-bit indices (L8), a dithered gradient, a card with a ring
                      logo, the version in the font below and a progress bar
    131584    6240    font: 13 seven-segment glyphs "0123456789:.-", 24x40, 4-bit alpha (A4), 2 pixels a byte
    137824    2048    sine table: one period, 1024 signed 16-bit Q15 samples, little-endian
    139872    8000    audio: a 0.25 s chime, 16 kHz signed 16-bit mono PCM, little-endian
    147872    4096    check block: pseudo-random bytes from `seed`: a page written at the wrong address or
                      with its bytes swapped changes the table's CRC wherever it lands

The check block is the only part no coder shrinks: a real application's NOR content (images, fonts,
tables, sound) compresses, which is what compressed writes are for. Usage: gen_table.py OUT.c SEED"""
import math
import random
import sys

W, H = 480, 272
GW, GH = 24, 40
GLYPHS = "0123456789:.-"
BAYER = ((0, 8, 2, 10), (12, 4, 14, 6), (3, 11, 1, 9), (15, 7, 13, 5))   # 4x4 ordered-dither thresholds
BG, CARD_INK, LOGO = 0, 128, 160     # CLUT ranges: gradient 0-127, card->ink 128-159, card->logo 160-191


def mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def clut() -> bytes:
    top, bottom = (0x0B, 0x1E, 0x3C), (0x1C, 0x6E, 0x8C)
    card, ink, logo = (0xF2, 0xF4, 0xF7), (0x1A, 0x23, 0x30), (0xE8, 0x6A, 0x17)
    cols = [mix(top, bottom, i / 127) for i in range(128)]
    cols += [mix(card, ink, i / 31) for i in range(32)] + [mix(card, logo, i / 31) for i in range(32)]
    cols += [(0, 0, 0)] * (256 - len(cols))
    return b"".join(bytes((b, g, r, 0xFF)) for r, g, b in cols)   # ARGB8888 words, little-endian


# Seven segments as (x0, y0, x1, y1) bars in a 24x40 cell; which segments each glyph lights.
SEG = {"a": (5, 2, 19, 6), "b": (18, 4, 22, 19), "c": (18, 21, 22, 36), "d": (5, 34, 19, 38),
       "e": (2, 21, 6, 36), "f": (2, 4, 6, 19), "g": (5, 18, 19, 22)}
LIT = {"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg", "6": "acdefg",
       "7": "abc", "8": "abcdefg", "9": "abcdfg", "-": "g"}
DOTS = {":": ((12, 13), (12, 28)), ".": ((12, 35),)}


def glyph_alpha(ch) -> list[list[int]]:
    """4-bit coverage of one glyph, 4x4 samples a pixel (bars with rounded ends, round dots)."""
    def inside(x, y):
        for s in LIT.get(ch, ""):
            x0, y0, x1, y1 = SEG[s]
            r = min(x1 - x0, y1 - y0) / 2
            cx, cy = min(max(x, x0 + r), x1 - r), min(max(y, y0 + r), y1 - r)
            if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                return True
        return any((x - cx) ** 2 + (y - cy) ** 2 <= 6.25 for cx, cy in DOTS.get(ch, ()))
    return [[round(15 * sum(inside(x + (i + .5) / 4, y + (j + .5) / 4) for i in range(4) for j in range(4)) / 16)
             for x in range(GW)] for y in range(GH)]


def font() -> tuple[bytes, dict]:
    out, alphas = bytearray(), {}
    for ch in GLYPHS:
        a = alphas[ch] = glyph_alpha(ch)
        for row in a:
            out += bytes(row[x] | row[x + 1] << 4 for x in range(0, GW, 2))   # A4: low nibble first
    return bytes(out), alphas


def splash(alphas, text) -> bytes:
    px = bytearray(W * H)
    for y in range(H):
        for x in range(W):
            v = (y * 127 / (H - 1)) + (BAYER[y & 3][x & 3] / 16 - 0.5)
            px[y * W + x] = BG + min(127, max(0, round(v)))
    x0, y0, x1, y1, r = 40, 56, 440, 216, 16          # the card, rounded corners
    for y in range(y0, y1):
        for x in range(x0, x1):
            cx, cy = min(max(x + .5, x0 + r), x1 - r), min(max(y + .5, y0 + r), y1 - r)
            if (x + .5 - cx) ** 2 + (y + .5 - cy) ** 2 <= r * r:
                px[y * W + x] = CARD_INK
    for y in range(86, 187):                          # ring logo: radius 44, 12 px wide, edge coverage
        for x in range(60, 161):
            d = abs(math.hypot(x + .5 - 110, y + .5 - 136) - 38)
            cov = min(1.0, max(0.0, 6.5 - d))
            if cov > 0:
                px[y * W + x] = LOGO + round(cov * 31)
    gx = 200
    for ch in text:                                    # the version, twice the glyphs' size
        a = alphas[ch]
        for y in range(2 * GH):
            for x in range(2 * GW):
                v = a[y // 2][x // 2]
                if v:
                    px[(90 + y) * W + gx + x] = CARD_INK + round(v * 31 / 15)
        gx += 2 * GW
    for y in range(180, 192):                          # progress bar: outline, 60 % filled
        for x in range(200, 400):
            edge = y in (180, 191) or x in (200, 399)
            if edge or x < 200 + 120:
                px[y * W + x] = CARD_INK + (31 if edge else 20)
    return bytes(px)


def sine() -> bytes:
    return b"".join(round(32767 * math.sin(2 * math.pi * i / 1024)).to_bytes(2, "little", signed=True)
                    for i in range(1024))


def chime() -> bytes:
    out = bytearray()
    for i in range(4000):
        t = i / 16000
        v = math.exp(-t / 0.08) * (0.6 * math.sin(2 * math.pi * 880 * t) + 0.3 * math.sin(2 * math.pi * 1320 * t)
                                   + 0.1 * math.sin(2 * math.pi * 1760 * t))
        out += round(20000 * v).to_bytes(2, "little", signed=True)
    return bytes(out)


def table(seed: int) -> bytes:
    """The whole table, as the banner's CRC covers it."""
    glyphs, alphas = font()
    return clut() + splash(alphas, "1.0") + glyphs + sine() + chime() + random.Random(seed).randbytes(4096)


def main(out, seed):
    data = table(seed)
    lines = ["/* Generated by firmware/app/gen_table.py (layout in its docstring): do not edit. */",
             "#include <stdint.h>",
             f"const uint32_t demo_table_size = {len(data)}u;",
             '__attribute__((section(".nor_rodata"), aligned(4))) const uint8_t demo_table[] = {']
    for i in range(0, len(data), 32):
        lines.append("    " + ",".join(str(b) for b in data[i:i + 32]) + ",")
    lines.append("};")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
