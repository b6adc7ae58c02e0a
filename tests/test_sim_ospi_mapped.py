"""OCTOSPI memory-mapped rules at register level (no CPU): the timeout (TCEN/LPTR/TOF), CSBOUND across
the HyperRAM's two dies, REFRESH against tCSM, and wrapped reads (RM0468, OCTOSPI chapter; S70KL1281 datasheet)."""
from test_sim_ospi_hyper import CR, DCR2, DCR3, DCR4, DLR, AR, DR, FCR, SR, hyper_setup, nor_pair

from stm32boot.sim.clock import us

LPTR, WPCCR, WPTCR, WPIR, WPABR = 0x130, 0x140, 0x148, 0x150, 0x160
TOF, BUSY = 0x10, 0x20
MAPPED, TCEN = 0x3000_0001, 0x8
DIE = 8 << 20
CYCLE_PS = 31_250   # no RCC in these tests: 64 MHz kernel clock, PRESCALER=1 -> 32 MHz


def test_timeout_releases_ncs_sets_tof_and_restarts_on_access():
    b, ram, o = hyper_setup()
    o.bus_write(LPTR, 4, 100)
    o.bus_write(CR, 4, MAPPED | TCEN)
    sr = o.bus_read(SR, 4)
    assert sr & BUSY and not sr & TOF
    b.clock.advance_to(99 * CYCLE_PS)
    o.window.read(0, 4)                        # an access restarts the idle counter
    b.clock.advance_to(180 * CYCLE_PS)
    assert not o.bus_read(SR, 4) & TOF         # 81 idle cycles only
    b.clock.advance_to(199 * CYCLE_PS)
    sr = o.bus_read(SR, 4)
    assert sr & TOF and not sr & BUSY          # nCS released: BUSY drops until the next access
    o.bus_write(FCR, 4, TOF)                   # CTOF
    assert not o.bus_read(SR, 4) & TOF
    o.window.read(0, 4)
    assert o.bus_read(SR, 4) & BUSY
    b.clock.advance_to(b.clock.now + 100 * CYCLE_PS)
    assert o.bus_read(SR, 4) & TOF             # fires again after the next idle period


def test_no_timeout_without_tcen():
    b, ram, o = hyper_setup()
    o.bus_write(LPTR, 4, 100)
    o.bus_write(CR, 4, MAPPED)
    b.clock.advance_to(us(1000))
    sr = o.bus_read(SR, 4)
    assert sr & BUSY and not sr & TOF


def _die_pattern(ram):
    ram.mem[DIE - 8:DIE] = b"\xd0" * 8          # end of die 0
    ram.mem[DIE:DIE + 8] = b"\xd1" * 8          # start of die 1
    ram.mem[0:8] = b"\x00" * 8                  # start of die 0: where a wrapping burst lands


def _indirect_read(o, addr, n):
    o.bus_write(DLR, 4, n - 1)
    o.bus_write(CR, 4, 0x1000_0001)
    o.bus_write(AR, 4, addr)
    return bytes(o.bus_read(DR, 1) for _ in range(n))


def test_burst_across_the_die_boundary_needs_csbound():
    b, ram, o = hyper_setup()
    o.bus_write(DCR3, 4, 0)                     # CSBOUND=0: one burst over both dies
    _die_pattern(ram)
    assert _indirect_read(o, DIE - 4, 8) == b"\xd0" * 4 + b"\x00" * 4
    assert "past the die boundary" in ram.trace[-1]
    b, ram, o = hyper_setup()                   # CSBOUND=23 (docs/hardware-notes.md): split at 0x800000, right data
    _die_pattern(ram)
    assert _indirect_read(o, DIE - 4, 8) == b"\xd0" * 4 + b"\xd1" * 4


def test_mapped_prefetch_across_the_die_boundary():
    b, ram, o = hyper_setup()
    o.bus_write(DCR3, 4, 0)
    _die_pattern(ram)
    o.bus_write(CR, 4, MAPPED)
    assert o.window.kind == "slow"              # bursts may cross dies: per-access path
    assert o.window.read(DIE - 8, 4) + o.window.read(DIE - 4, 4) == b"\xd0" * 8
    assert o.window.read(DIE, 4) == b"\x00" * 4  # sequential: same burst, still in die 0
    assert o.window.read(DIE + 4, 4) == b"\x00" * 4
    assert o.window.read(DIE + 0x100, 4) == bytes(4)  # new burst elsewhere ...
    assert o.window.read(DIE, 4) == b"\xd1" * 4  # ... and a fresh access at 0x800000 is right
    b, ram, o = hyper_setup()
    _die_pattern(ram)
    o.bus_write(CR, 4, MAPPED)
    assert o.window.kind == "direct"            # CSBOUND=23: no burst can cross
    assert o.window.read(DIE - 4, 8) == b"\xd0" * 4 + b"\xd1" * 4


def test_indirect_write_across_the_die_boundary():
    b, ram, o = hyper_setup()
    o.bus_write(DCR3, 4, 0)
    o.bus_write(DLR, 4, 7)
    o.bus_write(CR, 4, 0x0000_0001)             # indirect write: starts on the first DR write
    o.bus_write(AR, 4, DIE - 4)
    for k in range(8):
        o.bus_write(DR, 1, 0xA0 + k)
    assert bytes(ram.mem[DIE - 4:DIE + 4]) == bytes((0xA0, 0xA1, 0xA2, 0xA3, 0, 0, 0, 0))
    assert bytes(ram.mem[0:4]) == bytes((0xA4, 0xA5, 0xA6, 0xA7))


def test_refresh_checked_against_tcsm():
    for refresh, bad in ((0, "REFRESH=0"), (0x190, "beyond"), (100, None)):  # 400 cycles at 32 MHz: 12.6 µs
        b, ram, o = hyper_setup()
        o.bus_write(DCR4, 4, refresh)
        assert o.bus_read(DCR4, 4) == refresh
        o.bus_write(CR, 4, MAPPED)
        notes = " ".join(o.trace)
        if bad:
            assert bad in notes and "tCSM" in notes, (refresh, notes)
        else:
            assert "tCSM" not in notes, notes
    b, ram, o = hyper_setup()
    o.bus_write(DCR4, 4, 0)
    _indirect_read(o, 0, 4096)                  # 2048 clocks = 64 µs with nCS low
    assert "keeps nCS low 64.1 µs" in o.trace[-1] and "REFRESH=0" in o.trace[-1]


def test_wrap_registers_stored_and_unsupported_wrap_traced():
    nor, o1, o2, m = nor_pair()
    for off, v in ((WPCCR, 0x0100_3101), (WPTCR, 8), (WPIR, 0x0C), (WPABR, 0x5A)):
        o1.bus_write(off, 4, v)
        assert o1.bus_read(off, 4) == v
    o1.bus_write(DCR2, 4, 3 << 16 | 1)          # WRAPSIZE=32 bytes
    o1.bus_write(CR, 4, MAPPED)
    assert "WRAPSIZE=3" in o1.trace[-1] and "MX25LM51245G" in o1.trace[-1]
    assert o1.window.read(0, 4) == b"\x12\x34\x56\x78"  # linear reads still right
    b, ram, o = hyper_setup()
    o.bus_write(DCR2, 4, 3 << 16 | 1)           # HyperRAM supports 32-byte wrapped bursts
    o.bus_write(CR, 4, MAPPED)
    assert not any("WRAPSIZE" in n for n in o.trace)
    b, ram, o = hyper_setup()
    o.bus_write(DCR2, 4, 1 << 16 | 1)
    o.bus_write(CR, 4, MAPPED)
    assert "reserved" in o.trace[-1]
