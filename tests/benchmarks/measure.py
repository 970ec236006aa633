"""Timing a command as a whole process, with its own peak memory, for the benchmarks."""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

TIME = "/usr/bin/time"  # GNU time, for "%M": the maximum resident set size in KiB


def run_measured(command: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Run a command; return its wall time, its own peak RSS in MB and its output (stdout+stderr).

    GNU time reports the peak: a child of this process would report at least this process's own
    size, because Linux carries the forked copy's high-water mark across exec; time's child is
    forked from the small time process instead.
    """
    with tempfile.TemporaryDirectory() as scratch:
        output, peak = Path(scratch) / "output", Path(scratch) / "peak"
        with output.open("wb") as sink:
            start = time.perf_counter()
            process = subprocess.run(
                [TIME, "-f", "%M", "-o", str(peak), *command], cwd=cwd, stdout=sink, stderr=sink, check=False
            )
            seconds = time.perf_counter() - start
        text = output.read_text(errors="replace")
        if process.returncode:
            raise RuntimeError(f"{' '.join(command[:4])} ... failed ({process.returncode}):\n{text[-3000:]}")
        peak_kib = int(peak.read_text().split()[-1])
    return seconds, peak_kib * 1024 / 1e6, text
