"""MX25LM51245G rules a driver must check: block protection with P_FAIL/E_FAIL in the security
register (RDSCUR), memory-mapped reads while a program/erase is in flight, and a clean reset."""
from test_sim_ospi_unit import CCR, CR, IR, TCR, Drv, enter_dopi

P_FAIL, E_FAIL = 0x20, 0x40
TOP_64K = (1 << 20) - 0x10000   # the unit-test NOR is 1 MB


def wrsr(d, sr):
    d.cmd(0x06)
    d.write(0x01, None, bytes([sr]))
    d.poll_wip()


def test_block_protection_refuses_program_and_erase_with_fail_bits():
    d = Drv()
    wrsr(d, 0x1 << 2)                             # BP=1: top 64 KB block (TB=0)
    d.cmd(0x06)
    d.write(0x12, TOP_64K + 0x10, b"\x00\x00", asize=3)
    assert d.read(0x13, TOP_64K + 0x10, 2, asize=3) == b"\xff\xff"   # not programmed
    assert d.read(0x2B, None, 1)[0] & P_FAIL
    assert not d.read(0x05, None, 1)[0] & 2       # WEL cleared
    assert "protected by BP=0x1" in d.nor.trace[-1]
    d.cmd(0x06)
    d.write(0x12, 0x10, b"\x00\x00", asize=3)     # below the protected block: fine, P_FAIL cleared
    assert d.read(0x13, 0x10, 2, asize=3) == b"\x00\x00"
    assert d.read(0x2B, None, 1)[0] & (P_FAIL | E_FAIL) == 0
    d.cmd(0x06)
    d.cmd(0x60)                                   # chip erase with any BP set: refused
    assert d.read(0x13, 0x10, 2, asize=3) == b"\x00\x00"
    assert d.read(0x2B, None, 1)[0] & E_FAIL
    wrsr(d, 0xF << 2)                             # BP=0xF: everything
    d.cmd(0x06)
    d.cmd(0x21, 0x0, asize=3)
    assert d.read(0x13, 0x10, 2, asize=3) == b"\x00\x00" and d.read(0x2B, None, 1)[0] & E_FAIL
    wrsr(d, 0)                                    # BP=0: nothing protected
    d.cmd(0x06)
    d.cmd(0x21, 0x0, asize=3)
    assert d.read(0x13, 0x10, 2, asize=3) == b"\xff\xff"
    assert d.read(0x2B, None, 1)[0] & E_FAIL == 0


def test_rdscur_in_octal_dtr_takes_address_and_dummy_like_rdsr():
    d = Drv()
    d.nor.sr |= 0xF << 2
    enter_dopi(d)
    d.cmd(0x06, 0)
    d.write(0x12, 0x0, b"\x00\x00")
    assert d.read(0x2B, 0, 2, dummy=5) == bytes((P_FAIL, P_FAIL))   # value repeated in DTR


def test_reset_enable_then_reset_leaves_no_misleading_note():
    d = Drv()
    enter_dopi(d)
    d.nor.trace.clear()
    d.cmd(0x66, None)
    d.cmd(0x99, None)
    assert d.nor.mode == "spi" and d.nor.trace == []


def _map_dopi(d):
    d.w(CR, d.r(CR) & ~(3 << 28))
    d.w(CCR, d.ccr(True, True, dqs=True))
    d.w(TCR, (1 << 28) | 6)
    d.w(IR, 0xEE11)
    d.w(CR, d.r(CR) | (3 << 28))


def test_mapped_read_while_nor_busy_does_not_see_new_data():
    d = Drv(profile="typical")
    enter_dopi(d)
    d.poll_wip(dummy=5)
    d.cmd(0x06, 0)
    d.write(0x12, 0x0, bytes(range(16)))          # 0.15 ms page program; no WIP poll (driver bug)
    _map_dopi(d)
    assert d.o.window.kind == "slow"
    assert d.o.window.read(0, 4) == b"\xff" * 4    # the NOR ignores reads while WIP=1
    assert "memory-mapped read at 0x90000000 while the MX25LM51245G is busy" in d.o.trace[-1]
    d.board.clock.warp_to_next_event()            # program done: back to the fast path
    while d.nor.busy():
        d.board.clock.warp_to_next_event()
    assert d.o.window.kind == "direct"
    assert d.o.window.read(0, 4) == bytes(range(4))
