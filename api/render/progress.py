"""Progress of a long render on the command line: a bar with rate and time left on a terminal,
a plain line every tenth of the way when the output is a file or a pipe (a CI log, `| tee`)."""

from __future__ import annotations

import time
from typing import TextIO

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1  # a terminal redraws at most this often; a badge takes about a millisecond
PLAIN_STEPS = 10
ERASE_TO_END = "\x1b[K"  # a shorter line ("12 s left" after "1 min 34 s left") leaves no tail


class Progress:
    """Call `advance(done)` after each badge and `finish()` at the end."""

    def __init__(self, total: int, stream: TextIO, *, is_terminal: bool) -> None:
        self.total, self.stream, self.is_terminal = total, stream, is_terminal
        self.started = time.monotonic()
        self.last_drawn = 0.0
        self.next_plain = self._plain_step()

    def advance(self, done: int) -> None:
        if self.is_terminal:
            now = time.monotonic()
            if now - self.last_drawn >= REDRAW_SECONDS:
                self.last_drawn = now
                self.stream.write("\r" + self.line(done, now) + ERASE_TO_END)
                self.stream.flush()
        elif done >= self.next_plain and done < self.total:
            self.stream.write(self.line(done, time.monotonic()) + "\n")
            self.stream.flush()
            self.next_plain += self._plain_step()

    def badge_done(self, index: int) -> None:
        """render_pdf's on_badge: `index` counts from 0."""
        self.advance(index + 1)

    def finish(self) -> None:
        if self.is_terminal:
            # The finished bar stays on screen; the summary starts on the next line.
            self.stream.write("\r" + self.line(self.total, time.monotonic()) + ERASE_TO_END + "\n")
            self.stream.flush()

    def line(self, done: int, now: float) -> str:
        share = done / self.total if self.total else 1.0
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        left = (self.total - done) / rate if rate else 0.0
        text = (
            f"{done:,} of {self.total:,} badges ({share:.0%}), {rate:,.0f} badges/s, {_duration(left)} left"
        )
        if not self.is_terminal:
            return f"Rendering: {text}"
        filled = round(share * BAR_WIDTH)
        return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {text}"

    def _plain_step(self) -> int:
        return max(1, -(-self.total // PLAIN_STEPS))


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s"
