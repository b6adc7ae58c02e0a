"""FLASH controller model: keys, 32-byte word programming, erase, error flags, double-program report."""
import pytest

from stm32boot import _regs
from stm32boot.sim.clock import us, ms
from sim_soc_fake import make_soc, rd, run_until, wr

C = _regs.lib
BASE = 0x0800_0000


def unlock(f):
    wr(f, C.FLASH_KEYR, C.FLASH_KEY1)
    wr(f, C.FLASH_KEYR, C.FLASH_KEY2)


def store_word(f, addr, data: bytes):
    for i in range(0, len(data), 4):
        f.bus_write_array(addr + i, 4, int.from_bytes(data[i:i + 4], "little"))


def sr(f):
    return rd(f, C.FLASH_SR)


def test_lock_and_key_sequence():
    m = make_soc()
    f = m.flash_ctl
    assert rd(f, C.FLASH_CR) & C.FLASH_CR_LOCK
    wr(f, C.FLASH_CR, C.FLASH_CR_PG)          # ignored while locked
    assert not rd(f, C.FLASH_CR) & C.FLASH_CR_PG
    unlock(f)
    assert not rd(f, C.FLASH_CR) & C.FLASH_CR_LOCK
    wr(f, C.FLASH_CR, C.FLASH_CR_LOCK)
    assert rd(f, C.FLASH_CR) & C.FLASH_CR_LOCK


def test_wrong_key_locks_until_reset():
    m = make_soc()
    f = m.flash_ctl
    wr(f, C.FLASH_KEYR, 0x12345678)
    unlock(f)
    assert rd(f, C.FLASH_CR) & C.FLASH_CR_LOCK
    assert "until reset" in f.reports[0]
    f.reset()
    unlock(f)
    assert not rd(f, C.FLASH_CR) & C.FLASH_CR_LOCK


def test_program_a_flash_word_takes_the_word_time():
    m = make_soc()
    f = m.flash_ctl
    unlock(f)
    wr(f, C.FLASH_CR, C.FLASH_CR_PG | 2 << C.FLASH_CR_PSIZE_Pos)
    data = bytes(range(32))
    store_word(f, BASE + 0x40, data[:16])
    assert sr(f) & C.FLASH_SR_WBNE and not sr(f) & C.FLASH_SR_QW
    store_word(f, BASE + 0x50, data[16:])
    assert sr(f) & C.FLASH_SR_QW and not sr(f) & C.FLASH_SR_WBNE
    assert m.flash.buf[0x40:0x60] == b"\xff" * 32   # not yet
    run_until(m, lambda: not sr(f) & C.FLASH_SR_QW)
    assert m.clock.now == us(130)   # x32 typical (docs/performance.md)
    assert m.flash.buf[0x40:0x60] == data
    assert sr(f) & C.FLASH_SR_EOP and not sr(f) & C.FLASH_SR_ERRORS
    assert (BASE + 0x40, BASE + 0x60) in m.changed
    wr(f, C.FLASH_CCR, C.FLASH_CCR_CLR_EOP)
    assert not sr(f) & C.FLASH_SR_EOP


def test_store_without_pg_is_pgserr_and_not_written():
    m = make_soc()
    f = m.flash_ctl
    unlock(f)
    store_word(f, BASE, b"\0" * 4)
    assert sr(f) & C.FLASH_SR_PGSERR
    assert m.flash.buf[:4] == b"\xff" * 4


def test_strberr_and_incerr():
    m = make_soc(profile="zero")
    f = m.flash_ctl
    unlock(f)
    wr(f, C.FLASH_CR, C.FLASH_CR_PG)
    store_word(f, BASE, b"\0" * 4)
    store_word(f, BASE, b"\1" * 4)
    assert sr(f) & C.FLASH_SR_STRBERR
    wr(f, C.FLASH_CCR, C.FLASH_CCR_CLR_STRBERR)
    store_word(f, BASE, b"\0" * 4)
    store_word(f, BASE + 0x20, b"\0" * 4)
    assert sr(f) & C.FLASH_SR_INCERR
    assert m.flash.buf[:0x40] == b"\xff" * 0x40


def test_wrperr_on_protected_sector():
    m = make_soc(profile="zero")
    f = m.flash_ctl
    f.protect(3)
    assert not rd(f, C.FLASH_WPSN_CUR) >> 3 & 1
    unlock(f)
    wr(f, C.FLASH_CR, C.FLASH_CR_SER | 3 << C.FLASH_CR_SNB_Pos | C.FLASH_CR_START)
    assert sr(f) & C.FLASH_SR_WRPERR and not sr(f) & C.FLASH_SR_QW
    f.reset()   # option bytes survive reset
    assert not rd(f, C.FLASH_WPSN_CUR) >> 3 & 1


def test_programming_twice_without_erase_is_reported():
    m = make_soc(profile="zero")
    f = m.flash_ctl
    unlock(f)
    wr(f, C.FLASH_CR, C.FLASH_CR_PG)
    store_word(f, BASE + 0x20040, b"\x0f" * 32)
    store_word(f, BASE + 0x20040, b"\xf0" * 32)
    assert sr(f) & C.FLASH_SR_OPERR
    assert any("0x08020040 programmed twice without erase" in r for r in f.reports)
    assert any("ECC" in w for w in m.warnings)


def test_sector_erase_takes_the_erase_time_and_fills_ff():
    m = make_soc()
    f = m.flash_ctl
    m.flash.buf[0x20000:0x20010] = b"\0" * 16
    m.flash.buf[0x1FFF0:0x20000] = b"\0" * 16
    unlock(f)
    wr(f, C.FLASH_CR, C.FLASH_CR_SER | 1 << C.FLASH_CR_SNB_Pos | 3 << C.FLASH_CR_PSIZE_Pos | C.FLASH_CR_START)
    assert sr(f) & C.FLASH_SR_QW
    assert not rd(f, C.FLASH_CR) & C.FLASH_CR_START
    run_until(m, lambda: not sr(f) & C.FLASH_SR_QW)
    assert m.clock.now == ms(1000)   # x64 typical
    assert m.flash.buf[0x20000:0x20010] == b"\xff" * 16
    assert m.flash.buf[0x1FFF0:0x20000] == b"\0" * 16   # sector 0 untouched


def test_forced_write_commits_a_partial_word():
    m = make_soc(profile="zero")
    f = m.flash_ctl
    unlock(f)
    wr(f, C.FLASH_CR, C.FLASH_CR_PG)
    store_word(f, BASE, b"\x11\x22\x33\x44")
    wr(f, C.FLASH_CR, C.FLASH_CR_PG | C.FLASH_CR_FW)
    assert m.flash.buf[:8] == b"\x11\x22\x33\x44\xff\xff\xff\xff"


def test_bank_erase_and_option_bytes_programming():
    m = make_soc(profile="zero")
    f = m.flash_ctl
    m.flash.buf[0x50000] = 0
    unlock(f)
    wr(f, C.FLASH_CR, C.FLASH_CR_BER | C.FLASH_CR_START)
    assert m.flash.buf[0x50000] == 0xFF
    wr(f, C.FLASH_OPTKEYR, C.FLASH_OPTKEY1)
    wr(f, C.FLASH_OPTKEYR, C.FLASH_OPTKEY2)
    wr(f, C.FLASH_WPSN_PRG, 0xFE)
    wr(f, C.FLASH_OPTCR, C.FLASH_OPTCR_OPTSTART)
    run_until(m, lambda: not rd(f, C.FLASH_OPTSR_CUR) & C.FLASH_OPTSR_OPT_BUSY)
    assert rd(f, C.FLASH_WPSN_CUR) == 0xFE
    assert rd(f, C.FLASH_OPTSR_CUR) >> C.FLASH_OPTSR_RDP_Pos & 0xFF == C.FLASH_RDP_LEVEL0


def test_unknown_profile_is_a_clear_error():
    from stm32boot.sim.periph.flash import Flash
    with pytest.raises(ValueError, match="profile"):
        Flash(profile="fast")
