"""Tasks for render pools that tests start in other processes, importable there by name."""

from __future__ import annotations

import os
import time


def tell_pid_and_sleep(report, seconds: float) -> None:
    report(os.getpid())
    time.sleep(seconds)
