"""A serial port for the ROM bootloader: 8E1 (AN3155 §1), flow control off, exclusive; `parity="N"`
for a pseudo-terminal (it cannot carry parity). Offers the adapter lines `--before` sequences drive
(stm32boot.reset.ModemLines)."""
from __future__ import annotations

import time

from ..reset import ModemLines
from ..transport import TransportError, _explain_open, read_burst


class RomSerial(ModemLines):
    virtual_seconds = None

    def __init__(self, port: str, baud: int = 115200, parity: str = "E"):
        import serial
        self.name, self.baud, self.parity = port, baud, parity
        try:
            if "://" in port:        # socket://host:port (a simulator's TCP bridge): no line settings
                self.ser = serial.serial_for_url(port, baudrate=baud, timeout=0)
            else:
                self.ser = serial.Serial(port=port, baudrate=baud, bytesize=8, parity=parity, stopbits=1,
                                         timeout=0, write_timeout=10, rtscts=False, dsrdtr=False,
                                         xonxoff=False, exclusive=True)
        except (serial.SerialException, OSError) as e:
            text = str(e)
            if parity != "N" and ("parity" in text.lower() or "Invalid argument" in text):
                raise TransportError(f"{port} cannot do even parity (a pseudo-terminal?): pass "
                                     f"--parity none for a simulator's pty") from None
            raise TransportError(_explain_open(port, e)) from None
        self.ser.reset_input_buffer()

    def write(self, data: bytes) -> None:
        self.ser.write(data)

    def read(self, timeout: float) -> bytes:
        return read_burst(self.ser, timeout)

    def now(self) -> float:
        return time.monotonic()

    def byte_time(self) -> float:
        return 11.0 / self.baud

    def close(self) -> None:
        self.ser.close()
