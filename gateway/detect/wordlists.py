"""The word lists shipped in ``gateway/detect/data`` (provenance: ``data/SOURCES.md``).

Each list is read on first use and kept for the life of the process: the
gazetteer and the validators share one copy.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources


@functools.cache
def read(name: str) -> frozenset[str]:
    """One list, lower case: ``first``, ``last`` or ``common``."""
    data = importlib.resources.files("gateway.detect").joinpath(f"data/{name}.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split("\n")) - {""}


def is_ordinary(word: str) -> bool:
    """An everyday English word ("during", "spring"), whatever its case here."""
    return word.casefold() in read("common")
