"""The AN3155 client against the ROM bootloader models in process: framing, every command the chips
list, timing on the virtual clock, parity, protection behaviour and the device table."""
import pytest

from stm32boot.rom import frame as F
from stm32boot.rom.client import Nack, NoAnswer, RomClient, RomError
from stm32boot.rom.devices import DEVICES, lookup, UnknownDevice
from stm32boot.rom import protection
from stm32boot.sim.rom.chip import Chip
from stm32boot.sim.rom.link import RomLink
from stm32boot.sim.rom.model import RomModel

KB = 1024


def session(pid, parity="E", **kw):
    chip = Chip(DEVICES[pid], **kw)
    model = RomModel(chip)
    link = RomLink(model, parity=parity)
    client = RomClient(link)
    return chip, model, link, client


def test_framing_checksums_follow_an3155():
    assert F.command(0x31) == b"\x31\xce"
    assert F.address(0x08000000) == b"\x08\x00\x00\x00\x08"
    assert F.read_count(256) == b"\xff\x00"
    blk = F.data_block(b"\x01\x02\x03\x04")
    assert blk[0] == 3 and F.xor(blk) == 0
    assert F.ext_erase_special(F.MASS_ERASE) == b"\xff\xff\x00"
    assert F.ext_erase_special(F.BANK2_ERASE) == b"\xff\xfd\x02"
    assert F.xor(F.ext_erase_pages([1, 300])) == 0 and F.ext_erase_pages([1, 300])[:2] == b"\x00\x01"
    # Get Checksum's CRC: the CRC unit fed each little-endian word MSB first (bitwise reference here)
    def ref(data, crc=0xFFFFFFFF):
        for i in range(0, len(data), 4):
            crc ^= int.from_bytes(data[i:i + 4], "little")
            for _ in range(32):
                crc = (crc << 1 ^ 0x04C11DB7) & 0xFFFFFFFF if crc >> 31 else crc << 1 & 0xFFFFFFFF
        return crc
    data = bytes(range(64))
    assert F.crc_words(data) == ref(data)
    assert F.crc_words(data, poly=0x1EDC6F41) != F.crc_words(data)


@pytest.mark.parametrize("pid,runs", [
    (0x413, [16 * KB] * 4 + [64 * KB] + [128 * KB] * 7),
    (0x449, [32 * KB] * 4 + [128 * KB] + [256 * KB] * 3),
    (0x451, [32 * KB] * 4 + [128 * KB] + [256 * KB] * 7),
    (0x452, [16 * KB] * 4 + [64 * KB] + [128 * KB] * 3),
    (0x483, [128 * KB] * 8),
    (0x418, [2 * KB] * 128),
    (0x410, [1 * KB] * 128),
])
def test_device_table_layouts(pid, runs):
    assert [s for _, _, s in DEVICES[pid].units()] == runs


def test_f76x_dual_bank_numbers_bank2_from_12():
    units = DEVICES[0x451].units(dual=True)
    assert len(units) == 24 and units[12][:2] == (12, 0x0810_0000) and units[12][2] == 16 * KB


def test_required_product_ids_present_and_unknown_named():
    for pid in (0x410, 0x412, 0x414, 0x418, 0x413, 0x419, 0x449, 0x451, 0x452, 0x450, 0x483,
                0x416, 0x429, 0x427, 0x436, 0x437):
        assert lookup(pid).pid == pid
    with pytest.raises(UnknownDevice, match="0x495"):
        lookup(0x495)


def test_l1_pages_and_wrp_groups():
    d = DEVICES[0x436]
    assert len(d.units()) == 1536 and d.units()[5] == (5, 0x0800_0500, 256)
    assert d.wrp_groups()[1] == (1, 0x0800_1000, 4096)


@pytest.mark.parametrize("pid", [0x451, 0x418, 0x429, 0x483, 0x413, 0x410])
def test_every_listed_command_round_trips(pid):
    chip, model, link, c = session(pid)
    dev = c.connect()
    assert dev.pid == pid and c.cmds == dev.commands()
    assert c.get_version() == dev.protocol
    n, a, s = dev.units()[1]
    c.erase([n], [s])
    data = bytes(range(256)) * 3
    c.write(a, data)
    assert c.read(a, len(data)) == data
    assert chip.flash[a - 0x0800_0000:a - 0x0800_0000 + 768] == data
    c.write(dev.ram_free[0], b"\x11" * 16)
    assert c.read(dev.ram_free[0], 16) == b"\x11" * 16
    c.go(0x0800_0000)
    assert model.state == "gone"


def test_timing_advances_virtual_clock_with_erase_and_wire_time():
    chip, model, link, c = session(0x451)
    c.connect()
    t = link.now()
    c.erase([11], [256 * KB])            # 256 KB sector, x8: seconds (datasheet typical 3.5 s here)
    assert link.now() - t >= 3.5
    t = link.now()
    c.write(0x0800_0000, b"\0" * 256)
    # 265 bytes out + 3 ACKs, 11 bits each at 115200, plus 4.1 ms programming
    assert link.now() - t >= (268 * 11) / 115200 + 0.004


def test_sync_retries_through_startup_and_accepts_nack_of_a_synced_loader():
    chip, model, link, c = session(0x451)
    model.reset(link.now())              # reset just now: the first 0x7F is lost in the start-up time
    assert c.sync() == "ack"
    assert c.sync() in ("ack", "nack")   # a loader already synced NACKs the stray 0x7F pair


def test_no_parity_host_gets_nacks():
    chip, model, link, c = session(0x451, parity="N")
    with pytest.raises((Nack, NoAnswer, RomError)):
        c.connect()


def test_one_shot_baud_detection_wrong_first_byte_deafens_until_reset():
    chip, model, link, c = session(0x451)
    link.write(b"\x00")
    with pytest.raises(NoAnswer):
        c.sync()
    link.set_rts(True)
    link.set_dtr(True)
    link.set_dtr(False)                  # NRST pulse with BOOT0 high
    link.advance(0.05)
    assert c.sync() == "ack"


def test_rdp_level1_only_get_commands_work_and_unprotect_mass_erases():
    chip, model, link, c = session(0x451)
    chip.flash[:4] = b"\x12\x34\x56\x78"
    chip.set_rdp(True)
    c.connect()
    with pytest.raises(Nack):
        c.read(0x0800_0000, 4)
    with pytest.raises(Nack):
        c.write(0x2000_4000, b"\0" * 4)
    c.readout_unprotect()
    link.advance(0.05)
    c.sync()
    assert c.read(0x0800_0000, 4) == b"\xff" * 4
    assert protection.decode(DEVICES[0x451], c.read(0x1FFF_0000, 32)).rdp_level == 0


def test_wrp_drops_writes_silently_and_unprotect_clears_it():
    chip, model, link, c = session(0x418)
    c.connect()
    c.write_protect([0])
    link.advance(0.01)
    c.sync()
    p = protection.decode(DEVICES[0x418], c.read(0x1FFF_F800, 16))
    assert p.wrp_bits == [0]
    c.write(0x0800_0000, b"\xaa" * 8)        # ACKed ...
    assert c.read(0x0800_0000, 8) == b"\xff" * 8   # ... but nothing written
    c.write_unprotect()
    link.advance(0.01)
    c.sync()
    c.write(0x0800_0000, b"\xaa" * 8)
    assert c.read(0x0800_0000, 8) == b"\xaa" * 8


def test_readout_protect_then_reads_nack():
    chip, model, link, c = session(0x429)
    c.connect()
    c.readout_protect()
    link.advance(0.01)
    c.sync()
    with pytest.raises(Nack):
        c.read(0x0800_0000, 4)


def test_erase_invalid_sector_nacks_and_special_erases():
    chip, model, link, c = session(0x451)
    c.connect()
    with pytest.raises(Nack):
        c.erase([12])                     # single bank: sectors 0-11 only
    with pytest.raises(Nack):
        c.mass_erase(F.BANK2_ERASE)       # bank erase needs dual-bank mode
    chip.flash[0] = 0
    c.mass_erase()
    assert chip.flash[0] == 0xFF


def test_l1_has_no_global_erase_and_erases_by_page():
    chip, model, link, c = session(0x429)
    c.connect()
    with pytest.raises(Nack):
        c.mass_erase()
    chip.flash[256:260] = b"\x01\x02\x03\x04"
    c.erase([1], [256])
    assert chip.flash[256:260] == b"\0\0\0\0"          # L1 erased flash reads 0x00


def test_misaligned_write_nacks():
    chip, model, link, c = session(0x451)
    c.connect()
    c.dev = None                          # bypass the client's own alignment check
    with pytest.raises(Nack):
        c.write(0x0800_0004, b"\0" * 4)   # F7: 8-byte alignment (AN2606 Table 7)


def test_get_checksum_when_listed():
    from dataclasses import replace
    dev = replace(DEVICES[0x451], extra_cmds=(0xA1,))
    chip = Chip(dev)
    chip.flash[:8] = bytes(range(8))
    c = RomClient(RomLink(RomModel(chip)))
    c.sync()
    c.version, c.cmds = c.get()
    c.dev = dev
    assert 0xA1 in c.cmds
    assert c.checksum(0x0800_0000, 1024) == F.crc_words(bytes(chip.flash[:1024]))


@pytest.mark.parametrize("pid", [0x413, 0x436])
def test_double_nack_under_rdp_keeps_the_client_in_step(pid):
    chip, model, link, c = session(pid)
    chip.set_rdp(True)
    c.connect()
    for _ in range(2):
        with pytest.raises(Nack):
            c.read(0x0800_0000, 4)
    assert c.get_id() == pid            # the second NACK did not shift the next reply


def test_unknown_product_id_is_refused_with_its_number():
    from dataclasses import replace
    chip = Chip(replace(DEVICES[0x451], pid=0x495))
    c = RomClient(RomLink(RomModel(chip)))
    with pytest.raises(UnknownDevice, match=r"product ID 0x495.*nothing was erased or written"):
        c.connect()
    assert chip.flash[:4] == b"\xff" * 4
