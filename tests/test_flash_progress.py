"""Progress output: a redrawn bar on a terminal, ten plain lines otherwise."""
import io

from stm32boot.progress import Progress


def test_plain_lines_every_ten_percent_even_with_wobbly_counts():
    out = io.StringIO()
    p = Progress("writing", 1000, stream=out, tty=False)
    for done in (50, 150, 120, 990, 1000, 1000):       # a retransmission made the count step back
        p(done)
    p.finish()
    lines = out.getvalue().splitlines()
    assert lines == [f"writing: {k}% ({k * 10:,} of 1,000 bytes)" for k in range(10, 101, 10)]


def test_terminal_bar_redraws_in_place_and_ends_with_newline():
    out = io.StringIO()
    p = Progress("reading", 4096, stream=out, tty=True, width=10)
    p(2048)
    p.finish()
    text = out.getvalue()
    assert "\r" in text and text.endswith("\n") and text.count("\n") == 1
    assert "[##########] 100% 4,096/4,096 bytes" in text
