"""Putting values back, as a presidio-anonymizer deanonymize operator.

The reverse of :mod:`gateway.redact.operators`, applied the same way, with the
gateway's linear splice. Its parameters carry a lookup function (the token as
written -> the value, escaped as the token was), never the values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from presidio_anonymizer.operators import Operator, OperatorType

ValueLookup = Callable[[str], str]


class RestoreOperator(Operator):
    name: ClassVar[str] = "restore"

    def operate(self, text: str, params: dict[str, Any] | None = None) -> str:
        assert params is not None
        lookup: ValueLookup = params["lookup"]
        return lookup(text)

    def validate(self, params: dict[str, Any] | None = None) -> None:
        if not params or not callable(params.get("lookup")):
            raise ValueError("the restore operator needs a 'lookup' function")

    def operator_name(self) -> str:
        return self.name

    def operator_type(self) -> OperatorType:
        return OperatorType.Deanonymize


REVERSE: Mapping[str, RestoreOperator] = {RestoreOperator.name: RestoreOperator()}
