"""Errors a user can fix. The CLI prints them as one line and exits non-zero."""

from __future__ import annotations


class FedipressError(Exception):
    """A mistake in input, config or environment; ``str(self)`` is the one line shown."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        if path is not None:
            where = f"{path}:{line}" if line is not None else path
            message = f"{where}: {message}"
        super().__init__(message)


class ConfigError(FedipressError):
    exit_code = 2
