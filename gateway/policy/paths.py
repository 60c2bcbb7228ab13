"""Route path patterns: literal except for ``{name}`` (one path segment),
``{name:path}`` (the rest of the path) and ``[literal]`` (optional text)::

    /api/v2/tickets/{ticket_id}.json
    /api/v2/tickets/{ticket_id}/comments[.json]    (Zendesk takes both)
    /files/{rest:path}
"""

from __future__ import annotations

import re

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(path))?\}")
_OPTIONAL = re.compile(r"\[([^\[\]{}]+)\]")


def compile_path(pattern: str) -> re.Pattern[str]:
    """Compile a route's path pattern; raises ``ValueError`` when it is malformed."""
    parts = []
    position = 0
    names = set()
    for match in _PARAMETER.finditer(pattern):
        parts.append(_literal(pattern[position : match.start()]))
        name = match.group(1)
        if name in names:
            raise ValueError(f"the path parameter '{name}' appears twice")
        names.add(name)
        # Lazy, so that an optional suffix after it ("{id}[.json]") is not swallowed.
        parts.append(f"(?P<{name}>.+?)" if match.group(2) else f"(?P<{name}>[^/]+?)")
        position = match.end()
    rest = pattern[position:]
    if "{" in rest or "}" in rest:
        raise ValueError("use {name} or {name:path} for path parameters")
    parts.append(_literal(rest))
    return re.compile("^" + "".join(parts) + "$")


def _literal(text: str) -> str:
    """Literal text, where ``[...]`` is optional."""
    out = []
    position = 0
    for match in _OPTIONAL.finditer(text):
        out.append(re.escape(text[position : match.start()]))
        out.append(f"(?:{re.escape(match.group(1))})?")
        position = match.end()
    tail = text[position:]
    if any(c in tail for c in "[]{}"):
        raise ValueError("use {name} for parameters and [text] for optional text")
    out.append(re.escape(tail))
    return "".join(out)
