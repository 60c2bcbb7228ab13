"""A policy's routes as a table people read: what each allows, its scope, its answers.

``gateway policy routes FILE`` prints it; the README's route lists are this
table for the shipped profiles (``tests/test_policy.py`` keeps them equal).
"""

from __future__ import annotations

from gateway.policy.schema import RouteConfig, ScopeConfig


def markdown_routes(routes: list[RouteConfig]) -> str:
    rows = ["| route | methods | path | scope | answers |", "|---|---|---|---|---|"]
    for route in routes:
        scope = _scope(route.scope)
        answers = []
        if route.response.records:
            paths = ", ".join(f"`{r.path}`" for r in route.response.records)
            answers.append(f"each of {paths} in its own scope")
        if route.response.stream_fields:
            answers.append("streamed")
        if route.webhook:
            answers.append("a webhook: checked, restored, forwarded signed")
        if route.divert_to:
            answers.append("blocked ones go in-house (`divert_to`)")
        if not route.categories:
            answers.append("no category rules")
        rows.append(
            f"| `{route.name}` | {' '.join(route.methods)} | `{route.path}` | {scope} "
            f"| {'; '.join(answers)} |"
        )
    return "\n".join(rows) + "\n"


def _scope(scope: ScopeConfig | None) -> str:
    if scope is None:
        return "`X-Gateway-Scope`, else its own"
    text = f"{scope.kind}, from {scope.source}" + (f" `{scope.name}`" if scope.name else "")
    if scope.fallbacks:
        text += ", else " + ", ".join(
            f"`{f.name}`" + (f" ({f.kind})" if f.kind else "") for f in scope.fallbacks
        )
    if scope.aliases:
        text += "; names it: " + ", ".join(f"`{a.field}` ({a.kind})" for a in scope.aliases)
    return text
