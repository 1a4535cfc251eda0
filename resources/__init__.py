"""Data files shared by the tray app, the client core and the collector.

Read them with ``importlib.resources.files("resources") / "schemas" / ...``.
"""
