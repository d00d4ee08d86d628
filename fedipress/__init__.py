"""Fedipress: the `fedipress` command that joins the publisher (sitegen) and the inbox."""

__version__ = "0.1.0"
