"""spendpub: publish public-spending exports as validated open data."""

__version__ = "0.1.0"
