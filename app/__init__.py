"""Printernizer usage statistics: the tray app and its client core."""

__version__ = "0.1.0"
