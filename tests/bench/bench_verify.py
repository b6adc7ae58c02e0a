"""Verified boot on the simulated board's clock (520 MHz, CPI 1): the release bootloader's check of the
demo and of a full 896 KB internal + 8 MB NOR image, with the Ed25519 signature and the SHA-256 hashing
timed separately (entry to return of ed25519_verify / sha256 in the bootloader ELF).
Goals (issue 13): signature < 20 ms; the whole check of the large image < 0.5 s."""
import os
import random
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "host"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from elftools.elf.elffile import ELFFile  # noqa: E402
from unicorn.arm_const import UC_ARM_REG_LR  # noqa: E402

from release_build import build_one  # noqa: E402
from stm32boot import boards, mcuboot  # noqa: E402
from stm32boot import image as imagemod  # noqa: E402
from stm32boot.sim.board import build as sim_build  # noqa: E402

SLOT, SLOT_SIZE, NOR = 0x08020000, 0xE0000, 0x90000000
SIG_GOAL_MS, LARGE_GOAL_S = 20.0, 0.5


def symbols(elf):
    with open(elf, "rb") as f:
        st = ELFFile(f).get_section_by_name(".symtab")
        return {s.name: s["st_value"] & ~1 for s in st.iter_symbols() if s["st_info"]["type"] == "STT_FUNC"}


def timed_boot(bl_elf, slot_raw, nor_chunks):
    """Virtual seconds: whole vb_boot_ok, ed25519_verify, and the sum of port_sha256() calls (the HASH processor); and the outcome."""
    sym = symbols(bl_elf)
    with tempfile.TemporaryDirectory() as state:
        m = sim_build("h735", state_dir=state, blank=True, warn=lambda s: None)
        try:
            m.load_elf(bl_elf)
            m.write(SLOT, slot_raw)
            for a, d in nor_chunks:          # a blank NOR, programmed (as the host's flash would)
                m.nor.mem[a - NOR:a - NOR + len(d)] = d
                m.nor.changed(a - NOR, a - NOR + len(d))
            m.reset()

            def run_to(addr):
                # unicorn plants its stop address when it translates a block: drop the translated blocks
                # around it (the bootloader runs from flash and, copied at start-up, from AXI SRAM) so an
                # address already run through stops the run too.
                m.flash_changed(0x08000000, SLOT)
                m.uc.ctl_remove_cache(addr & ~0xFFF, (addr | 0xFFF) + 1)
                r = m.run(until=addr, timeout_s=120)
                assert r.reason == "until", r.summary()
                return r

            def span(entry):
                run_to(sym[entry])
                r = run_to(m.uc.reg_read(UC_ARM_REG_LR) & ~1)
                return r.virtual_s, r.r0

            run_to(sym["vb_boot_ok"])
            ret = m.uc.reg_read(UC_ARM_REG_LR) & ~1
            t_hash = span("port_sha256")[0]                    # header + payload + protected TLVs
            t_sig, _ = span("ed25519_verify")
            for _ in nor_chunks:
                t_hash += span("port_sha256")[0]               # each signed NOR range
            r = run_to(ret)
            total = t_hash + t_sig + r.virtual_s
            return total, t_sig, t_hash, r.r0
        finally:
            m.close()


def main():
    rel = build_one()
    bl = os.path.join(rel["out"], "bootloader.elf")
    key = mcuboot.load_private_key(rel["key"])
    board = boards.get("h735")
    img = imagemod.load([os.path.join(rel["out"], "demo.signed.hex")])
    demo_slot = mcuboot.from_image(img, SLOT).raw
    demo_nor = [(a, d) for a, d in img.chunks if a >= NOR]

    rng = random.Random(13)
    demo_payload = mcuboot.parse(demo_slot).payload
    room = SLOT_SIZE - mcuboot.HDR_SIZE - 4096              # header and TLVs stay inside the 896 KB slot
    payload = demo_payload + bytes(rng.getrandbits(8) for _ in range(room - len(demo_payload)))
    nor = [(NOR, rng.randbytes(8 << 20))]
    large_slot = mcuboot.sign(payload, SLOT, "1.0.0", 1, nor, key)
    assert len(large_slot) <= SLOT_SIZE

    print("bench_verify: release bootloader's verified boot, simulated board's clock (520 MHz, CPI 1)")
    for name, slot, chunks in (("demo", demo_slot, demo_nor),
                               (f"{len(payload) // 1024} KB + 8 MB", large_slot, nor)):
        total, sig, hashed, ok = timed_boot(bl, slot, chunks)
        n = len(slot) + sum(len(d) for _, d in chunks)
        print(f"  {name:<16} whole check {total * 1e3:8.2f} ms   signature {sig * 1e3:6.2f} ms "
              f"(goal < {SIG_GOAL_MS:.0f} ms: {'met' if sig * 1e3 < SIG_GOAL_MS else 'NOT met'})   SHA-256 {hashed * 1e3:8.2f} ms over {n / 1e6:.2f} MB "
              f"({n / hashed / 1e6 if hashed else 0:.1f} MB/s)   verified={'yes' if ok else 'NO'}")
        if name != "demo":
            print(f"  large image: whole check {total:.3f} s, goal < {LARGE_GOAL_S} s: "
                  f"{'met' if total < LARGE_GOAL_S else 'NOT met'}")


if __name__ == "__main__":
    main()
