"""Helpers shared by the collector benchmarks: data generation and timing."""
