"""Collector service for Printernizer usage reports."""
