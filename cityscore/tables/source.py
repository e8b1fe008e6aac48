"""Where a table came from and how sure we are of it (STANDARDS.md status legend)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["V", "C", "U", "ours"]


@dataclass(frozen=True, slots=True)
class Source:
    """A citation: what it is, where it is, and the STANDARDS.md status mark."""

    title: str
    urls: tuple[str, ...]
    status: Status
    note: str = ""

    def cite(self) -> str:
        """One line for reports: ``title [status] url; url``."""
        return f"{self.title} [{self.status}] {'; '.join(self.urls)}"
