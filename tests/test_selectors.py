from __future__ import annotations

import pytest

from gateway.policy.selectors import Selector, path_to_string


@pytest.mark.parametrize(
    ("selector", "path", "matches"),
    [
        ("ticket.comment.body", ("ticket", "comment", "body"), True),
        ("ticket.comment.body", ("ticket", "comment"), False),
        ("ticket.*.value", ("ticket", "x", "value"), True),
        ("$.messages[*].content", ("messages", 3, "content"), True),
        ("messages[0].content", ("messages", 0, "content"), True),
        ("messages[0].content", ("messages", 1, "content"), False),
        ("**.email", ("email",), True),  # zero levels
        ("**.email", ("a", "b", "email"), True),
        ("**.email", ("a", "email", "x"), False),
        ("a.**", ("a", "b", "c"), True),
    ],
)
def test_matching(selector: str, path: tuple[str | int, ...], matches: bool) -> None:
    assert Selector.parse(selector).matches(path) is matches


@pytest.mark.parametrize("bad", ["", "$", "a..b", "a.[x]", "a.b."])
def test_bad_selectors(bad: str) -> None:
    with pytest.raises(ValueError, match="field"):
        Selector.parse(bad)


def test_path_rendering() -> None:
    assert path_to_string(("ticket", "tags", 2)) == "ticket.tags.2"
    assert path_to_string(()) == "$"
