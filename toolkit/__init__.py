"""toolkit: clean, split and deduplicate Chinese text corpora."""

__version__ = "0.1.0"
