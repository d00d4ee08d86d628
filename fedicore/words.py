"""Counts in messages: `1 post`, `2 posts`."""

from __future__ import annotations


def count(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` with the noun in the right number: count(1, "reply", "replies") -> 1 reply."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"
