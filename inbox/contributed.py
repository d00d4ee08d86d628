"""Modules other parts of the inbox contribute (routes, CLI commands), loaded when present.

The server and the CLI both take what is there and carry on without what is not; a module
that is present but fails to import its own dependencies is a real error and still raises.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from types import ModuleType


def present_modules(names: Iterable[str]) -> Iterator[ModuleType]:
    """Import each named module that exists; skip only the ones that are missing themselves."""
    for name in names:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
