"""Audit records in the formats SIEMs ingest: JSON lines, CEF and OCSF.

* ``jsonl``: the records exactly as stored (chain fields included), one per line;
* ``cef``: ArcSight Common Event Format, one line per record, for Splunk,
  QRadar, Sentinel and anything syslog-shaped;
* ``ocsf``: Open Cybersecurity Schema Framework 1.1 *API Activity* events
  (class 6003), JSON lines, for Amazon Security Lake, Splunk and Elastic. Fields
  OCSF has no place for go under ``unmapped``.

None of them can contain a value: records never do.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from gateway import __version__
from gateway.audit.reader import Record

FORMATS = ("jsonl", "cef", "ocsf")
_NAMES = {
    "request_redacted": ("Request redacted and forwarded", 3),
    "response_restored": ("Response restored and released", 2),
    "stream_restored": ("Streamed response restored", 2),
    "webhook_restored": ("Vendor webhook restored and forwarded", 2),
    "request_refused": ("Request refused", 6),
    "policy_loaded": ("Policy loaded", 2),
    "chain_opened": ("Audit chain opened", 1),
    "vault_purged": ("Vault scope purged", 5),
    "keys_rotated": ("Vault key rotated", 5),
}


def render(record: Record, fmt: str) -> str:
    if fmt == "jsonl":
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    if fmt == "cef":
        return cef(record)
    if fmt == "ocsf":
        return json.dumps(ocsf(record), separators=(",", ":"), ensure_ascii=False)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _millis(record: Record) -> int:
    moment = datetime.fromisoformat(
        str(record.get("time", "1970-01-01T00:00:00Z")).replace("Z", "+00:00")
    )
    return int(moment.timestamp() * 1000)


def _cef_header(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|")


def _cef_value(value: object) -> str:
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, separators=(",", ":"), sort_keys=True)
    )
    return text.replace("\\", "\\\\").replace("=", "\\=").replace("\r", "\\r").replace("\n", "\\n")


def cef(record: Record) -> str:
    event = record.get("event", {})
    kind = str(event.get("type", "event"))
    name, severity = _NAMES.get(kind, (kind.replace("_", " "), 3))
    extension = {
        "rt": _millis(record),
        "externalId": record.get("seq"),
        "dvchost": record.get("instance"),
        "outcome": event.get("outcome"),
        "reason": event.get("reason"),
        "requestMethod": event.get("method"),
        "request": event.get("path"),
        "cs1Label": "tenant",
        "cs1": event.get("tenant"),
        "cs2Label": "vendor",
        "cs2": event.get("vendor"),
        "cs3Label": "route",
        "cs3": event.get("route"),
        "cs4Label": "scope",
        "cs4": event.get("scope"),
        "cs5Label": "entities",
        "cs5": event.get("entities"),
        "cs6Label": "tokens",
        "cs6": event.get("tokens"),
        "cn1Label": "latencyMs",
        "cn1": event.get("latency_ms"),
        "deviceExternalId": event.get("request_id"),
        "deviceDirection": {"outbound": 1, "inbound": 0}.get(str(event.get("direction"))),
    }
    present = {k: v for k, v in extension.items() if v not in (None, "", {}, [])}
    # A custom field's label goes out only with its value.
    pairs = " ".join(
        f"{k}={_cef_value(v)}"
        for k, v in present.items()
        if not k.endswith("Label") or k.removesuffix("Label") in present
    )
    header = "|".join(
        _cef_header(x)
        for x in ("CEF:0", "redaction-gateway", "gateway", __version__, kind, name, severity)
    )
    return f"{header}|{pairs}"


def ocsf(record: Record) -> dict[str, Any]:
    event = record.get("event", {})
    kind = str(event.get("type", "event"))
    name, severity = _NAMES.get(kind, (kind, 3))
    activity = {"POST": 1, "GET": 2, "PUT": 3, "PATCH": 3, "DELETE": 4}.get(
        str(event.get("method")), 99
    )
    refused = event.get("outcome") == "refused"
    known = {"type", "method", "path", "request_id", "outcome", "reason", "latency_ms"}
    return {
        "class_uid": 6003,
        "class_name": "API Activity",
        "category_uid": 6,
        "category_name": "Application Activity",
        "activity_id": activity,
        "type_uid": 6003 * 100 + activity,
        "time": _millis(record),
        "severity_id": {1: 1, 2: 1, 3: 2, 5: 3, 6: 3}.get(severity, 1),
        "status_id": 2 if refused else 1,
        "status": "Failure" if refused else "Success",
        "status_detail": event.get("reason"),
        "message": name,
        "duration": event.get("latency_ms"),
        "api": {"operation": kind, "request": {"uid": event.get("request_id")}},
        "http_request": {"http_method": event.get("method"), "url": {"path": event.get("path")}},
        "metadata": {
            "version": "1.1.0",
            "uid": f"{record.get('instance')}:{record.get('seq')}",
            "product": {
                "name": "redaction-gateway",
                "vendor_name": "redaction-gateway",
                "version": __version__,
            },
            "log_name": record.get("instance"),
        },
        "unmapped": {k: v for k, v in event.items() if k not in known},
    }
