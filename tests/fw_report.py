"""What the UART test firmwares print: `key=value` lines, read from an in-process channel."""


def report(chan) -> dict:
    """Take everything the firmware sent and return its key=value lines (decimal values as int)."""
    out = {}
    for line in chan.take().decode(errors="replace").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k] = int(v) if v.isdigit() else v
    return out
