"""Route path patterns: literal except for ``{name}`` (one path segment) and
``{name:path}`` (the rest of the path)::

    /api/v2/tickets/{ticket_id}.json
    /api/v2/tickets/{ticket_id}/comments.json
    /files/{rest:path}
"""

from __future__ import annotations

import re

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(path))?\}")


def compile_path(pattern: str) -> re.Pattern[str]:
    """Compile a route's path pattern; raises ``ValueError`` when it is malformed."""
    parts = []
    position = 0
    names = set()
    for match in _PARAMETER.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        name = match.group(1)
        if name in names:
            raise ValueError(f"the path parameter '{name}' appears twice")
        names.add(name)
        parts.append(f"(?P<{name}>.+)" if match.group(2) else f"(?P<{name}>[^/]+)")
        position = match.end()
    rest = pattern[position:]
    if "{" in rest or "}" in rest or any("{" in p or "}" in p for p in parts if p.startswith("\\")):
        raise ValueError("use {name} or {name:path} for path parameters")
    parts.append(re.escape(rest))
    return re.compile("^" + "".join(parts) + "$")
