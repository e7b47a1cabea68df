"""Doorstep: run large home-visiting programmes."""

__version__ = "0.1.0"
