"""The project's root error for things a user can fix: printed as one line, never a traceback."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message tells the user what is wrong and which setting to change."""

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
