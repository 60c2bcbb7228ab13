"""A data-privacy redaction gateway between a company and its support vendors."""

__version__ = "0.1.0"
