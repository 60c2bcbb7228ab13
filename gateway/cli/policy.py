"""``gateway policy check``: load each policy exactly as ``serve`` would;
``gateway policy routes``: what a policy lets through, as a table.

They import no NLP: checking policies in a CI job takes a fraction of a second.
"""

from __future__ import annotations

import argparse

from gateway.cli.common import EXIT_OK, EXIT_USAGE, Commands, err, out
from gateway.config import Settings
from gateway.errors import ConfigError, PolicyError
from gateway.keys.credentials import missing_secrets
from gateway.policy import check_model, load_policy
from gateway.policy.entities import CATEGORY_ENTITIES
from gateway.policy.routes_table import markdown_routes


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    policy = commands.add_parser(
        "policy", parents=[common], help="work with policy files"
    ).add_subparsers(title="policy commands", metavar="COMMAND", required=True)
    check = policy.add_parser(
        "check",
        parents=[common],
        help="validate policy files",
        description="Load each policy exactly as 'gateway serve' would and report the first "
        "problem in each.",
    )
    check.add_argument("files", nargs="*", metavar="FILE", help="policy files (default: --policy)")
    check.set_defaults(handler=run_check)
    routes = policy.add_parser(
        "routes",
        parents=[common],
        help="list a policy's routes",
        description="Print a policy's routes as a Markdown table: methods, path, where the "
        "scope comes from and what names it later, how answers are restored.",
    )
    routes.add_argument("file", nargs="?", metavar="FILE", help="policy file (default: --policy)")
    routes.set_defaults(handler=run_routes)


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    files = args.files or [str(settings.policy_path)]
    failed = 0
    for path in files:
        try:
            policy = load_policy(path)
            check_model(policy)
        except (PolicyError, ConfigError) as exc:
            err(f"gateway: error: {exc.message}")
            failed += 1
            continue
        document = policy.document
        # Not an error: the machine that checks a policy often lacks the secrets.
        for missing in missing_secrets(document, settings.environ):
            err(f"gateway: note: {path}: {missing} here; serve needs it")
        categories = {e.name for e in CATEGORY_ENTITIES.values()}
        out(
            f"{path}: ok (tenant {document.tenant}, vendor {document.vendor}, "
            f"{len(set(policy.entity_types) - categories)} entities, "
            f"{len(document.recognizers)} custom recognizers, "
            f"{len(policy.categories)} sensitive categories acted on, sha256 {policy.digest[:12]})"
        )
    return EXIT_USAGE if failed else EXIT_OK


def run_routes(args: argparse.Namespace, settings: Settings) -> int:
    try:
        policy = load_policy(args.file or str(settings.policy_path))
    except PolicyError as exc:
        err(f"gateway: error: {exc.message}")
        return EXIT_USAGE
    out(markdown_routes(policy.document.routes).rstrip("\n"))
    return EXIT_OK
