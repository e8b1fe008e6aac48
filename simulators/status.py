"""The live status line on stderr: rate, progress, acknowledgements and fault counts."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO


def format_status(
    *,
    elapsed_s: float,
    sent: int,
    acked: int,
    target_rate: float,
    recent_rate: float,
    faults: Mapping[str, int],
    planned: int | None = None,
) -> str:
    fault_text = " ".join(f"{k}={v}" for k, v in sorted(faults.items()) if v) or "none"
    progress = f"{sent}/{planned}" if planned else f"{sent}"
    return (
        f"simulate {elapsed_s:6.1f}s  sent {progress}  acked {acked}  "
        f"rate {recent_rate:,.0f}/s (target {target_rate:,.0f})  faults {fault_text}"
    )


class StatusLine:
    """Rewrites one line in place on a terminal; prints whole lines when not a TTY."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()

    def show(self, text: str) -> None:
        if self.quiet:
            return
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self, text: str) -> None:
        if self.quiet:
            return
        if self.tty:
            self.stream.write("\r\x1b[2K")
        self.stream.write(text + "\n")
        self.stream.flush()
