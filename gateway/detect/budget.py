"""How long a regular expression may run on a text before detection fails closed."""

from __future__ import annotations


def budget(timeout: float, text: str) -> float:
    """A regex's time limit on ``text``: ``regex_timeout_ms`` per 100,000 characters.

    A flat limit would refuse a long but honest body (a 1 MB text takes about
    a second per pattern here); runaway backtracking outgrows any linear
    allowance long before it ends.
    """
    return timeout * max(1.0, len(text) / 100_000)
