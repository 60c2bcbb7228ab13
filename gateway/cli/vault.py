"""``gateway vault purge|stats`` and ``gateway keys rotate``: the vault and its keys.

Erasures and rotations are operators' decisions: each is recorded in the
CLI's own audit chain (``cli-<n>``) next to the gateway's.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime

from gateway.audit import AuditLog, events, load_audit_keys
from gateway.cli.common import EXIT_OK, Commands, err, out
from gateway.config import Settings
from gateway.errors import InputError
from gateway.keys.keyring import rotate_vault_key
from gateway.policy import load_policy
from gateway.redact.scopes import is_scope_id
from gateway.vault.connect import open_vault


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    vault = commands.add_parser(
        "vault", parents=[common], help="manage the token vault"
    ).add_subparsers(title="vault commands", metavar="COMMAND", required=True)
    purge = vault.add_parser(
        "purge",
        parents=[common],
        help="erase the values of a scope, or of expired tokens",
        description="Right to be forgotten: erase every value stored for a scope (tokens then "
        "restore to nothing and are reported as purged).",
    )
    what = purge.add_mutually_exclusive_group(required=True)
    what.add_argument("--scope", help="scope to erase, e.g. a customer or ticket id")
    what.add_argument(
        "--expired", action="store_true", help="erase every token whose expiry has passed"
    )
    purge.set_defaults(handler=run_purge)
    stats = vault.add_parser("stats", parents=[common], help="count live and purged tokens")
    stats.set_defaults(handler=run_stats)


def register_keys(commands: Commands, common: argparse.ArgumentParser) -> None:
    keys = commands.add_parser("keys", parents=[common], help="manage keys").add_subparsers(
        title="keys commands", metavar="COMMAND", required=True
    )
    rotate = keys.add_parser(
        "rotate",
        parents=[common],
        help="add a new vault encryption key",
        description="Add a new vault key: new tokens are encrypted with it, older keys keep "
        "decrypting. Running gateways pick it up when restarted.",
    )
    rotate.add_argument(
        "--rewrap", action="store_true", help="also re-encrypt every stored value with the new key"
    )
    rotate.set_defaults(handler=run_rotate)


def run_purge(args: argparse.Namespace, settings: Settings) -> int:
    policy = load_policy(settings.policy_path)

    async def purge() -> int:
        vault = open_vault(settings)
        try:
            owner = args.scope and await vault.backend.lookup_alias(policy.tenant, args.scope)
            if owner:
                # Erasing the scope an alias points at erases more than that one
                # ticket (all of a customer's), so the operator must say so.
                raise InputError(
                    "scope_is_alias",
                    f"{args.scope} is an id the vendor assigned; its values are stored in scope "
                    f"{owner}: 'gateway vault purge --scope {owner}' erases that whole scope",
                )
            if args.expired:
                count = await vault.purge_expired()
                out(f"erased the values of {count} expired token(s)")
            else:
                count = await vault.purge_scope(policy.tenant, args.scope)
                out(
                    f"erased the values of {count} token(s) of scope {args.scope!r} "
                    f"(tenant {policy.tenant})"
                )
        finally:
            await vault.close()
        # An erasure answers a data subject's request: the trail proves it happened.
        await record(
            settings,
            events.ValuesPurged(policy.tenant, _recordable(args.scope), bool(args.expired), count),
        )
        return count

    asyncio.run(purge())
    return EXIT_OK


def _recordable(scope: str | None) -> str | None:
    # An operator may type a raw value (an email) where a scope id belongs:
    # the audit trail must not keep it.
    return scope if scope is None or is_scope_id(scope) else "(withheld: not a scope id)"


def run_stats(args: argparse.Namespace, settings: Settings) -> int:
    async def stats() -> None:
        vault = open_vault(settings)
        try:
            counts = await vault.backend.count()
        finally:
            await vault.close()
        out(
            f"{counts['live']} live token(s), {counts['purged']} purged; "
            f"active key {vault.cipher.active_key_id}"
        )

    asyncio.run(stats())
    return EXIT_OK


def run_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from_env = bool(settings.token_key or settings.vault_keys)
    keyring = rotate_vault_key(settings.data_dir, datetime.now(UTC), keys_from_env=from_env)
    out(
        f"new vault key {keyring.active_vault_key.key_id}; older keys still decrypt: "
        f"{', '.join(k.key_id for k in keyring.vault_keys[1:])}"
    )

    async def rewrap_and_record() -> None:
        if args.rewrap:
            vault = open_vault(settings)
            try:
                done = await vault.rewrap(
                    progress=lambda n: err(f"\rre-encrypted {n} value(s)", end="", flush=True)
                )
            finally:
                await vault.close()
            err(f"\rre-encrypted {done} value(s) with {keyring.active_vault_key.key_id}")
        await record(
            settings, events.KeysRotated(keyring.active_vault_key.key_id, bool(args.rewrap))
        )

    asyncio.run(rewrap_and_record())
    return EXIT_OK


async def record(settings: Settings, event: events.Event) -> None:
    """Record an operator's action in the CLI's own audit chain."""
    keys = load_audit_keys(settings.data_dir, settings.audit_key)
    log = AuditLog(settings.data_dir / "audit", keys, "cli")
    await log.open()
    try:
        await log.append(event)
    finally:
        await log.close()
