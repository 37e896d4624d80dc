"""Cuecards: performance support at the moment of need."""

__version__ = "0.1.0"
