"""Policies: one YAML file per vendor, parsed once into frozen, validated objects.

* ``schema``: the file as written, one model per section (the README's policy reference);
* ``loader``: reading and validating a file into a :class:`Policy`;
* ``entities``: the entity types and how each one's values are normalised;
* ``selectors``: field paths (``ticket.comment.body``, ``**.email``);
* ``paths``: route path patterns (``/api/v2/tickets/{ticket_id}.json``).

The bottom layer of the gateway: it imports no NLP and no HTTP library, so
``gateway policy check`` loads a policy in a fraction of a second.
"""

from gateway.policy.loader import (
    CompiledFieldRules,
    Policy,
    check_model,
    load_policy,
    parse_policy,
    secret_sources,
)
from gateway.policy.schema import (
    Action,
    FieldRules,
    Limits,
    PolicyDocument,
    RecognizerConfig,
    RecordScope,
    RequestConfig,
    RouteConfig,
    ScopeAlias,
    ScopeConfig,
    ScopeFallback,
    SecretSource,
    WebhookConfig,
    WebhookSignature,
)

__all__ = [
    "Action",
    "CompiledFieldRules",
    "FieldRules",
    "Limits",
    "Policy",
    "PolicyDocument",
    "RecognizerConfig",
    "RecordScope",
    "RequestConfig",
    "RouteConfig",
    "ScopeAlias",
    "ScopeConfig",
    "ScopeFallback",
    "SecretSource",
    "WebhookConfig",
    "WebhookSignature",
    "check_model",
    "load_policy",
    "parse_policy",
    "secret_sources",
]
