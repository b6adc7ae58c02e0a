"""Page program on the F746's quad-SPI NOR parts (N25Q128A, W25Q128JV datasheets: PAGE PROGRAM): the data
lands from its address on, wraps to the start of its own 256-byte page past the page end, and only
clears bits (AND with what the page held)."""
import pytest

from stm32boot.sim.devices.n25q128a import N25Q128A
from stm32boot.sim.devices.w25q128jv import W25Q128JV
from stm32boot.sim.devices.xfer import Phase, Transfer


def cmd(op, addr=None, data=None):
    return Transfer(instruction=Phase(op, 1, 1), address=None if addr is None else Phase(addr, 3, 1),
                    data_lines=1 if data is not None else 0, write=data is not None, data=data or b"")


def program(nor, addr, data):
    nor.transfer(cmd(0x06))                      # WRITE ENABLE
    nor.transfer(cmd(0x02, addr, data))          # PAGE PROGRAM (1-1-1)


@pytest.mark.parametrize("part", [N25Q128A, W25Q128JV])
def test_page_program_lands_at_its_address_wraps_in_its_page_and_only_clears_bits(part):
    nor = part(profile="zero")
    page = 0x1200
    program(nor, page + 8, bytes(range(1, 9)))
    assert bytes(nor.mem[page:page + 20]) == b"\xff" * 8 + bytes(range(1, 9)) + b"\xff" * 4
    program(nor, page + 250, bytes(range(0x10, 0x1C)))      # 12 bytes from offset 250: 6 wrap to 0..5
    assert bytes(nor.mem[page + 250:page + 256]) == bytes(range(0x10, 0x16))
    assert bytes(nor.mem[page:page + 6]) == bytes(range(0x16, 0x1C))
    assert nor.mem[page + 256] == 0xFF and nor.mem[page - 1] == 0xFF     # neighbours untouched
    program(nor, page + 8, b"\xf0\x0f" * 4)                 # program again: AND, bits only cleared
    assert bytes(nor.mem[page + 8:page + 16]) == bytes(b & m for b, m in zip(range(1, 9), b"\xf0\x0f" * 4))
    assert any("wraps inside its page" in n for n in nor.trace)
