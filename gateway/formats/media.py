"""Content types: what a ``Content-Type`` says, and how a body of that type is escaped."""

from __future__ import annotations

from email.message import Message
from typing import Literal

# How a restored value must be escaped to sit where its token was.
Encoding = Literal["plain", "html", "url", "json", "form"]


def media_of(content_type: str | None) -> tuple[str | None, str]:
    """The media type and charset of a ``Content-Type`` value (UTF-8 when unnamed)."""
    if not content_type:
        return None, "utf-8"
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) and charset else "utf-8"


def is_json(media: str | None) -> bool:
    return media is not None and (media == "application/json" or media.endswith("+json"))


def encoding_for(media: str) -> Encoding:
    if is_json(media):
        return "json"
    if media in ("text/html", "application/xhtml+xml"):
        return "html"
    if media == "application/x-www-form-urlencoded":
        return "form"
    return "plain"


def utf8_content_type(content_type: str, charset: str) -> str:
    """``content_type`` relabelled as UTF-8 when it named another charset."""
    if charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        return content_type
    message = Message()
    message["content-type"] = content_type
    message.set_param("charset", "utf-8", requote=False)
    return str(message["content-type"])
